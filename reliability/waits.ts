import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { RunningSimulator } from '../simulator/server';

/** Polls until `check` returns a value, or fails naming what it waited for. Never assumes a speed. */
export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Until the simulator's hold fault has caught its request: the run is now parked there. */
export const untilHeld = (sim: RunningSimulator, faultId: string) =>
  until(`the held request (${faultId})`, () => (sim.faults.list().find((f) => f.id === faultId)?.fired ? true : undefined));

/**
 * Until Temporal has recorded a heartbeat of a pending activity that `matches`: what a retried
 * attempt will resume from. Heartbeats are throttled, so this can take up to the throttle interval.
 */
export function untilHeartbeat(handle: WorkflowHandle, what: string, matches: (details: Record<string, unknown>) => boolean) {
  return until(`a heartbeat of ${what}`, async () => {
    const { raw } = await handle.describe();
    for (const activity of raw.pendingActivities ?? []) {
      const payload = activity.heartbeatDetails?.payloads?.[0];
      if (!payload) continue;
      const details = defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload);
      if (details && matches(details)) return details;
    }
    return undefined;
  });
}
