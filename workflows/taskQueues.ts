export const SYNC_TASK_QUEUE = 'entra-sync';
export const DISCOVERY_TASK_QUEUE = 'entra-discovery';
