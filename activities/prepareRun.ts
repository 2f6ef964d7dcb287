import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DELTA_STREAMS } from '../workflows/streams';
import type { ActivityDeps } from './deps';
import { requireConnector } from './requireConnector';
import { openRun, type StreamPlan } from './store/runs';

export type PreparedRun = { runId: number; streams: StreamPlan[] };

export function prepareRunActivity({ db }: ActivityDeps) {
  return async function prepareRun(input: { connectorId: string }): Promise<PreparedRun> {
    const connector = await requireConnector(db, input.connectorId);
    if (!connector.enabled) {
      throw ApplicationFailure.create({
        type: 'ConnectorDisabled',
        nonRetryable: true,
        message: `connector ${connector.id} is disabled; enable it to sync`,
      });
    }
    const execution = Context.current().info.workflowExecution;
    if (!execution) throw new Error('prepareRun runs only inside EntraSyncWorkflow');
    const { workflowId, runId } = execution;
    return openRun(db, { connectorId: connector.id, workflowId, workflowRunId: runId, streams: DELTA_STREAMS });
  };
}
