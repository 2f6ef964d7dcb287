import type { Client, WorkflowHandle } from '@temporalio/client';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** One activity of a run, in ms from the workflow's start. */
export type TimelineActivity = { name: string; scheduledAt: number; queueMs: number; runMs: number; attempt: number };

/**
 * Where a run's wall time went, read from its workflow history (the server's clock): workflow
 * tasks (the workflow deciding what to schedule next), each activity's wait in the task queue and
 * its own run, and the tail from the last activity to the run's close.
 */
export type RunTimeline = {
  wallMs: number;
  /** Workflow tasks: how many, their time in the queue, their time on the worker. */
  workflowTasks: { count: number; queueMs: number; runMs: number };
  /** From the run's start to its first activity scheduled: the first workflow task's round trip. */
  untilFirstActivityMs: number;
  /** From the last activity's completion to the run's close: the last workflow task's round trip. */
  afterLastActivityMs: number;
  activities: TimelineActivity[];
};

type Time = { seconds?: unknown; nanos?: number | null } | null | undefined;
const millis = (t: Time) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
const round = (ms: number) => Math.round(ms);

export async function runTimeline(client: Client, workflowId: string): Promise<RunTimeline> {
  return timelineOf((await client.workflow.getHandle(workflowId).fetchHistory()).events ?? []);
}

/** The timeline of a closed run's history events, oldest first. */
export function timelineOf(events: HistoryEvent[]): RunTimeline {
  const at = (i: number) => millis(events[i]?.eventTime);
  const start = at(0);
  const byId = new Map(events.map((e) => [String(e.eventId), e]));
  const workflowTasks = { count: 0, queueMs: 0, runMs: 0 };
  const activities: TimelineActivity[] = [];
  let lastActivityDone = start;
  for (const event of events) {
    const t = millis(event.eventTime);
    const wftStarted = event.workflowTaskStartedEventAttributes;
    if (wftStarted) {
      workflowTasks.count += 1;
      workflowTasks.queueMs += t - millis(byId.get(String(wftStarted.scheduledEventId))?.eventTime);
    }
    const wftDone = event.workflowTaskCompletedEventAttributes;
    if (wftDone) workflowTasks.runMs += t - millis(byId.get(String(wftDone.startedEventId))?.eventTime);
    const done = event.activityTaskCompletedEventAttributes;
    if (done) {
      const scheduled = byId.get(String(done.scheduledEventId));
      const started = byId.get(String(done.startedEventId));
      const s = scheduled?.activityTaskScheduledEventAttributes;
      const input = s?.input?.payloads?.[0]?.data;
      const args = input ? (JSON.parse(Buffer.from(input).toString()) as { stream?: string; shard?: number }) : {};
      const name = [s?.activityType?.name, args.stream, args.shard === undefined ? undefined : `shard ${args.shard}`].filter(Boolean).join(' ');
      activities.push({
        name,
        scheduledAt: round(millis(scheduled?.eventTime) - start),
        queueMs: round(millis(started?.eventTime) - millis(scheduled?.eventTime)),
        runMs: round(t - millis(started?.eventTime)),
        attempt: started?.activityTaskStartedEventAttributes?.attempt ?? 1,
      });
      lastActivityDone = Math.max(lastActivityDone, t);
    }
  }
  const end = at(events.length - 1);
  return {
    wallMs: round(end - start),
    workflowTasks: { count: workflowTasks.count, queueMs: round(workflowTasks.queueMs), runMs: round(workflowTasks.runMs) },
    untilFirstActivityMs: activities.length > 0 ? Math.min(...activities.map((a) => a.scheduledAt)) : 0,
    afterLastActivityMs: round(end - lastActivityDone),
    activities: activities.sort((a, b) => a.scheduledAt - b.scheduledAt),
  };
}
