import { setTimeout as delay } from 'node:timers/promises';
import type { Context } from '@temporalio/activity';
import { untilCancelled } from './untilCancelled';

const WAIT_HEARTBEAT_MS = 5_000;

/**
 * Waits (for Retry-After, backoff, pacing) while heartbeating, so waiting never looks like dying;
 * rejects with the activity's cancellation. Not `ctx.sleep`: it leaves a reaction on the
 * activity's `cancelled` promise per call, and a shard or pull waits once per batch or page.
 */
export function activityWait(ctx: Context, details: () => unknown): (ms: number) => Promise<void> {
  return async (ms: number) => {
    for (let left = ms; left > 0; left -= WAIT_HEARTBEAT_MS) {
      ctx.heartbeat(details());
      const signal = ctx.cancellationSignal;
      // The timer's own abort ends it early; the cancellation itself is what the caller sees.
      await untilCancelled(signal, delay(Math.min(left, WAIT_HEARTBEAT_MS), undefined, { signal }).catch(() => undefined));
    }
  };
}
