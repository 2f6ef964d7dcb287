import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

/**
 * The reset points the Temporal Web UI and `temporal workflow reset` offer: the first or the last
 * workflow task, or the workflow task that followed an activity's completion.
 */
export type ResetPoint = 'first workflow task' | 'last workflow task' | { after: string };

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type EventId = temporal.api.workflowservice.v1.IResetWorkflowExecutionRequest['workflowTaskFinishEventId'];

export const describePoint = (point: ResetPoint) => (typeof point === 'string' ? point : `after ${point.after}`);

/** Resets the execution behind `handle` to `point`; returns a handle on the workflow id (the new run and any it continues as). */
export async function resetTo(client: Client, handle: WorkflowHandle, point: ResetPoint): Promise<WorkflowHandle> {
  const { runId: workflowRunId } = await handle.describe();
  const events = (await handle.fetchHistory()).events ?? [];
  const eventId = resetEventId(events, point);
  await client.workflowService.resetWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId: handle.workflowId, runId: workflowRunId },
    // protobufjs takes a plain number for an int64 field.
    workflowTaskFinishEventId: eventId as unknown as EventId,
    reason: `reliability: reset to ${describePoint(point)}`,
    requestId: randomUUID(),
  });
  return client.workflow.getHandle(handle.workflowId);
}

function resetEventId(events: HistoryEvent[], point: ResetPoint): number {
  const completedTasks = events.filter((e) => e.workflowTaskCompletedEventAttributes).map((e) => Number(e.eventId));
  if (completedTasks.length === 0) throw new Error('the history has no completed workflow task to reset to');
  if (point === 'first workflow task') return completedTasks[0]!;
  if (point === 'last workflow task') return completedTasks.at(-1)!;
  const scheduled = new Map(events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => [Number(e.eventId), e.activityTaskScheduledEventAttributes!.activityType?.name]));
  const completions = events.filter(
    (e) => e.activityTaskCompletedEventAttributes && scheduled.get(Number(e.activityTaskCompletedEventAttributes.scheduledEventId)) === point.after,
  );
  const last = completions.at(-1);
  if (!last) throw new Error(`the history has no completed ${point.after} activity`);
  const task = completedTasks.find((id) => id > Number(last.eventId));
  if (task === undefined) throw new Error(`no workflow task completed after ${point.after}`);
  return task;
}
