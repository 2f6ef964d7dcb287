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
  if (isPermissionDenied(err)) {
    // Retrying cannot help until someone grants the privilege; say so at once.
    return ApplicationFailure.create({
      type: FailureKind.DatabasePermissionDenied,
      nonRetryable: true,
      message:
        `PostgreSQL refused: ${err.message}. Grant the workers' database role the privileges on the entra-sync schema ` +
        '(docs/operations.md, "Database"), then reset the failed workflow or wait for the next run',
    });
  }
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

/** SQLSTATE 42501 insufficient_privilege, from the pg driver. */
function isPermissionDenied(err: unknown): err is Error & { code: string } {
  return err instanceof Error && (err as { code?: unknown }).code === '42501';
}
