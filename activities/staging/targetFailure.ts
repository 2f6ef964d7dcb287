import { GraphCallError } from '../graph/graphCallError';

/** Why one target's read failed: Graph refused it (403), or kept answering 404 for an object that exists. */
export type TargetFailureKind = 'forbidden' | 'notFound';
export type TargetFailure = { kind: TargetFailureKind; message: string };

/** A target's own read cannot be completed this run; the other targets go on (docs/inventory.md). */
export class TargetUnreadable extends Error {
  constructor(
    readonly kind: TargetFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'TargetUnreadable';
  }
}

/**
 * The failure that belongs to one target, or undefined when the error is the run's (throttling, an
 * outage, a malformed batch, a token refused): those still fail the attempt as before. A 403 on a
 * target's own collection or object says nothing about the others: its delta pull, under the same
 * permission, already succeeded this run.
 */
export function targetFailure(err: unknown): TargetFailure | undefined {
  if (err instanceof TargetUnreadable) return { kind: err.kind, message: err.message };
  if (err instanceof GraphCallError && (err.cause as { statusCode?: unknown } | undefined)?.statusCode === 403) {
    return { kind: 'forbidden', message: `Microsoft Graph answered 403 for ${err.call.what}: ${err.message}` };
  }
  return undefined;
}
