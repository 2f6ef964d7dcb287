import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

/** How a run went on after a reset: the execution the reset started, from which event of the one it reset. */
export type RunReset = { fromEventId: number; workflowRunId: string };

/** WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW (the proto package has no ESM named exports). */
const RESET_WORKFLOW = 20 as temporal.api.enums.v1.WorkflowTaskFailedCause;

/**
 * The execution a reset started from execution `workflowRunId` (the Web UI's Reset, `temporal workflow
 * reset`), or undefined when nothing reset it. A reset terminates the execution it resets and
 * starts another with the same workflow id; Temporal names the newest on the reset one
 * (`resetRunId`; a server too old to report it leaves the run reported as terminated). The new
 * execution's history marks the reset point with a workflow task failed for the reset, at the id
 * of the event it was reset to.
 */
export async function resetOf(client: Client, workflowId: string, workflowRunId: string): Promise<RunReset | undefined> {
  const described = await client.workflow.getHandle(workflowId, workflowRunId).describe();
  const next = described.raw.workflowExtendedInfo?.resetRunId;
  if (!next || next === workflowRunId) return undefined;
  const history = await client.workflow.getHandle(workflowId, next).fetchHistory();
  // A reset of a reset execution copies the earlier reset's mark too: the one from `workflowRunId` is ours.
  const point = history.events?.find((e) => e.workflowTaskFailedEventAttributes?.cause === RESET_WORKFLOW && e.workflowTaskFailedEventAttributes.baseRunId === workflowRunId);
  return { fromEventId: Number(point?.eventId ?? 0), workflowRunId: next };
}
