import { Context } from '@temporalio/activity';

/**
 * The Temporal run an activity works for: the owner of the sync run row it touches. After a
 * reset it differs from the run that opened the row (activities/store/runs.ts, claimRun).
 */
export function owningRun(): string {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw new Error('sync activities run only inside EntraSyncWorkflow');
  return execution.runId;
}
