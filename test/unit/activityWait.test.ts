import { getEventListeners } from 'node:events';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { activityWait } from '../../activities/activityWait';

describe('activityWait', () => {
  it('heartbeats its details while it waits, and leaves nothing on the cancellation after each wait', async () => {
    const env = new MockActivityEnvironment();
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    const listeners: { before: number; after: number } = await env.run(async () => {
      const ctx = Context.current();
      const before = getEventListeners(ctx.cancellationSignal, 'abort').length;
      const wait = activityWait(ctx, () => ({ page: heartbeats.length }));
      for (let i = 0; i < 20; i++) await wait(1);
      return { before, after: getEventListeners(ctx.cancellationSignal, 'abort').length };
    });
    expect(heartbeats).toHaveLength(20);
    expect(listeners.after).toBe(listeners.before);
  });

  it("ends a long wait with the activity's cancellation", async () => {
    const env = new MockActivityEnvironment();
    // Cancelled at the first heartbeat, so the wait has surely begun.
    env.once('heartbeat', () => env.cancel());
    const waited = env.run(() => activityWait(Context.current(), () => ({}))(10 * 60_000));
    await expect(waited).rejects.toBeInstanceOf(CancelledFailure);
  });
});
