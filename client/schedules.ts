import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleHandle,
  type ScheduleOptionsAction,
} from '@temporalio/client';
import { syncScheduleId, syncWorkflowId } from '../workflows/ids';
import { TENANT_ID } from '../workflows/searchAttributes';
import { explainTemporalError } from './temporalErrors';
import { scheduleOffsetMs } from './scheduleOffset';

export type SyncScheduleOptions = {
  connectorId: string;
  tenantId: string;
  taskQueue: string;
  intervalMs: number;
  /** Only applies when the schedule is created; an existing schedule keeps its paused state. */
  startPaused?: boolean;
};

function syncAction(o: SyncScheduleOptions): ScheduleOptionsAction {
  return {
    type: 'startWorkflow',
    workflowType: 'EntraSyncWorkflow',
    taskQueue: o.taskQueue,
    workflowId: syncWorkflowId(o.connectorId),
    args: [{ connectorId: o.connectorId }],
    typedSearchAttributes: [{ key: TENANT_ID, value: o.tenantId }],
  };
}

/**
 * Creates or updates the connector's schedule. Overlap SKIP: two runs of one tenant never
 * overlap. A short catch-up window: after downtime, one run catches up, not a backlog of them.
 * Each connector's runs fall at its own offset within the interval (scheduleOffsetMs).
 */
export async function applySyncSchedule(client: Client, o: SyncScheduleOptions): Promise<ScheduleHandle> {
  try {
    return await createOrUpdateSchedule(client, o);
  } catch (err) {
    // A ConnectionLike need not say where it connects.
    const address = (client.connection as { options?: { address?: string } }).options?.address ?? 'TEMPORAL_ADDRESS';
    throw explainTemporalError(err, { address, namespace: client.options.namespace });
  }
}

async function createOrUpdateSchedule(client: Client, o: SyncScheduleOptions): Promise<ScheduleHandle> {
  const spec = { intervals: [{ every: o.intervalMs, offset: scheduleOffsetMs(o.connectorId, o.intervalMs) }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' } as const;
  try {
    return await client.schedule.create({
      scheduleId: syncScheduleId(o.connectorId),
      spec,
      action: syncAction(o),
      policies,
      state: { paused: o.startPaused ?? false, note: 'entra-sync: managed by the entra-sync CLI' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(syncScheduleId(o.connectorId));
    await handle.update((previous) => ({ ...previous, spec, action: syncAction(o), policies: { ...previous.policies, ...policies } }));
    return handle;
  }
}
