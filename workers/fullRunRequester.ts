import { Client, ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import type { FullRunRequester } from '../activities/tail/tailActivities';
import { syncScheduleId, syncWorkflowId } from '../workflows/ids';

/**
 * Starts a full run for a tail that needs one: through the connector's schedule (overlap SKIP, as
 * `entra-sync sync` does), or, for a connector without a schedule, as the schedule would start it.
 */
export function fullRunRequester(connection: NativeConnection, namespace: string, dataConverter?: DataConverter): FullRunRequester {
  let client: Client | undefined;
  return async (connectorId, taskQueue) => {
    client ??= new Client({ connection, namespace, ...(dataConverter ? { dataConverter } : {}) });
    try {
      await client.schedule.getHandle(syncScheduleId(connectorId)).trigger(ScheduleOverlapPolicy.SKIP);
      return 'triggered';
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
    try {
      await client.workflow.start('EntraSyncWorkflow', { taskQueue, workflowId: syncWorkflowId(connectorId), args: [{ connectorId }] });
      return 'started';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'alreadyRunning';
      throw err;
    }
  };
}
