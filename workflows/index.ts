export { EntraSyncWorkflow, progressQuery } from './entraSync';
export { EntraTailWorkflow, tailStatusQuery, triggerSignal } from './entraTail';
