/** Workflow and schedule ids of a connector: one place, so every caller finds the same runs. */
export const syncWorkflowId = (connectorId: string) => `entra-sync-${connectorId}`;
export const syncScheduleId = (connectorId: string) => `entra-sync-schedule-${connectorId}`;
/** The tail of a connector (workflows/entraTail.ts); its passes are children `${tailWorkflowId}-pass-${n}`. */
export const tailWorkflowId = (connectorId: string) => `entra-tail-${connectorId}`;
