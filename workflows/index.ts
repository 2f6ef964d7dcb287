export { EntraSyncWorkflow, progressQuery } from './entraSync';
