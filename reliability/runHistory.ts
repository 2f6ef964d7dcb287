import type { WorkflowHandle } from '@temporalio/client';

export type ActivityAttempts = { scheduled: number; lastAttempt: number };

/**
 * Per activity type, from the run's Temporal history: how many were scheduled, and the highest
 * attempt one started on (Temporal writes a retried activity's started event once, with its
 * final attempt number). Evidence that a kill point's activity was retried, not only that the run ended.
 */
export async function activityAttempts(handle: WorkflowHandle): Promise<Map<string, ActivityAttempts>> {
  const history = await handle.fetchHistory();
  const typeOf = new Map<string, string>();
  const result = new Map<string, ActivityAttempts>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const type = scheduled.activityType?.name ?? 'unknown';
      typeOf.set(String(event.eventId), type);
      const entry = result.get(type) ?? { scheduled: 0, lastAttempt: 0 };
      result.set(type, { ...entry, scheduled: entry.scheduled + 1 });
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const type = typeOf.get(String(started.scheduledEventId)) ?? 'unknown';
      const entry = result.get(type) ?? { scheduled: 0, lastAttempt: 0 };
      result.set(type, { ...entry, lastAttempt: Math.max(entry.lastAttempt, started.attempt ?? 0) });
    }
  }
  return result;
}
