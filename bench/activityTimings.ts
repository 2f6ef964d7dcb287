import type { Client } from '@temporalio/client';

/** Wall time of each activity of a workflow run, from its history: "pullDelta users" → seconds. */
export async function activityTimings(client: Client, workflowId: string): Promise<Record<string, number>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, { name: string; at: number }>();
  const timings: Record<string, number> = {};
  const millis = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s) {
      const input = s.input?.payloads?.[0]?.data;
      const args = input ? (JSON.parse(Buffer.from(input).toString()) as { stream?: string; shard?: number }) : {};
      const name = [s.activityType?.name, args.stream, args.shard === undefined ? undefined : `shard ${args.shard}`].filter(Boolean).join(' ');
      scheduled.set(String(event.eventId), { name, at: millis(event.eventTime) });
    }
    const done = event.activityTaskCompletedEventAttributes;
    if (done) {
      const start = scheduled.get(String(done.scheduledEventId));
      if (start) timings[start.name] = Math.round(millis(event.eventTime) - start.at) / 1000;
    }
  }
  return timings;
}
