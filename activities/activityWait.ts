import type { Context } from '@temporalio/activity';

const WAIT_HEARTBEAT_MS = 5_000;

/** Waits (for Retry-After, backoff, pacing) while heartbeating, so waiting never looks like dying. */
export function activityWait(ctx: Context, details: () => unknown): (ms: number) => Promise<void> {
  return async (ms: number) => {
    for (let left = ms; left > 0; left -= WAIT_HEARTBEAT_MS) {
      ctx.heartbeat(details());
      await ctx.sleep(Math.min(left, WAIT_HEARTBEAT_MS));
    }
  };
}
