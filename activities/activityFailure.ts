import { ApplicationFailure } from '@temporalio/common';
import { FailureKind } from '../shared/failureKinds';
import { DeltaResyncRequired, MalformedGraphResponse } from './graph/deltaPages';
import { GraphCallError } from './graph/graphCallError';
import { graphFailure, isGraphError } from './graph/graphErrors';

/**
 * What an activity threw, as the ApplicationFailure the run record and the Temporal UI show. The
 * one place errors are mapped; the activity interceptor calls it. Failures already built pass as
 * they are; anything unknown too (Temporal retries it).
 */
export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof GraphCallError)) {
    return err instanceof MalformedGraphResponse ? ApplicationFailure.create({ type: FailureKind.GraphBadResponse, message: err.message }) : err;
  }
  const { cause, call, redact } = err;
  if (cause instanceof DeltaResyncRequired) {
    return ApplicationFailure.create({
      type: FailureKind.DeltaResyncLoop,
      message: `Microsoft Graph kept invalidating the ${call.what} cursor (${cause.reason}) during one pull`,
    });
  }
  if (cause instanceof MalformedGraphResponse) {
    return ApplicationFailure.create({ type: FailureKind.GraphBadResponse, message: redact(cause.message) });
  }
  if (isGraphError(cause)) {
    const failure = graphFailure(cause, call, call.what);
    failure.message = redact(failure.message);
    return failure;
  }
  return cause;
}
