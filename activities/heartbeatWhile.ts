import { Context } from '@temporalio/activity';

/** Often enough for the 30 s heartbeat timeout of the run's short activities. */
const EVERY_MS = 5_000;

/**
 * Heartbeats while `work` runs. The run's short activities (prepare, plan, finalize, failRun) have
 * no pages to heartbeat on, yet a worker lost in one of them must be noticed in seconds, not at
 * the end of the activity's 10-minute start-to-close timeout.
 */
export async function heartbeatWhile<T>(work: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(), EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
