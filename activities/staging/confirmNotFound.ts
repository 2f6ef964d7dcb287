import type { GraphObject } from '../graph/deltaPages';
import type { RetryOptions } from '../graph/graphRetry';
import { objectExists, objectPath } from '../graph/objectExists';
import { NOT_FOUND, type CollectionReader, type Collected } from './collectionReader';
import { OWNERS, type ReconcileStream } from './reconcileTraffic';
import type { ReconcileTarget } from './reconcileTargets';
import { TargetUnreadable } from './targetFailure';

/** Pause before confirming a 404 by a direct GET, so a lagging replica can catch up. */
const CONFIRM_AFTER_MS = 2_000;

/**
 * Graph's replication delay makes one 404 mean "maybe deleted" (docs/graph-behaviour.md). After a
 * pause the object itself is read: only its 404 confirms the deletion (counted to owners). When
 * the object answers, a collection that answered 404 is read again directly; a 404 then fails the
 * attempt as retryable, never an emptied collection of a live object.
 */
export class NotFoundConfirmation {
  constructor(
    private readonly reader: CollectionReader,
    private readonly retry: RetryOptions,
  ) {}

  async deleted(target: ReconcileTarget): Promise<boolean> {
    await this.retry.wait(CONFIRM_AFTER_MS);
    const path = objectPath(target.objectType, target.objectId);
    return (await this.reader.counted(OWNERS, path, (client) => objectExists(client, path, this.retry))) === false;
  }

  /** A collection that answered 404 while its object exists: read again directly, or give the target up for this run. */
  async reread(collected: Collected, what: string, stream: ReconcileStream): Promise<GraphObject[]> {
    if (collected !== NOT_FOUND) return collected;
    const objects = await this.reader.read(what, stream);
    if (objects !== NOT_FOUND) return objects;
    // Never a deletion: the object is there. One target must not fail the run: it is retried later.
    throw new TargetUnreadable('notFound', `Microsoft Graph answered 404 for ${what} twice although the object exists`);
  }
}
