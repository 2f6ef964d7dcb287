import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DeltaResyncRequired, MalformedGraphResponse } from './graph/deltaPages';
import { ErrorKind, graphFailure, isGraphError, type AuthContext } from './graph/graphErrors';

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

/** Turns what a Graph call threw into the ApplicationFailure the run record and the UI show. */
export function toGraphFailure(
  err: unknown,
  context: AuthContext & { endpoint: string },
  what: string,
  redact: (text: string) => string,
): unknown {
  if (err instanceof DeltaResyncRequired) {
    return ApplicationFailure.create({
      type: 'DeltaResyncLoop',
      message: `Microsoft Graph kept invalidating the ${what} cursor (${err.reason}) during one pull`,
    });
  }
  if (err instanceof MalformedGraphResponse) {
    return ApplicationFailure.create({ type: ErrorKind.GraphBadResponse, message: redact(err.message) });
  }
  if (isGraphError(err)) {
    const failure = graphFailure(err, context, what);
    failure.message = redact(failure.message);
    return failure;
  }
  return err;
}
