import { Context } from '@temporalio/activity';
import { PULLED_STREAMS } from '../../shared/streams';
import type { ActivityDeps } from '../deps';
import { Pacer } from '../graph/pacer';
import { GRAPH_RETRY_ATTEMPTS } from '../graph/graphRetry';
import { activityWait } from '../activityWait';
import { requireConnector } from '../requireConnector';
import { owningRun } from '../owningRun';
import { claimRun } from '../store/runs';
import { CollectionReader } from './collectionReader';
import { NotFoundConfirmation } from './confirmNotFound';
import { addStreamTraffic } from './pullRecords';
import { batchRequests, readTargetBatch, TARGETS_PER_BATCH, type BatchReading } from './readTargetBatch';
import { shardTargets, storeReconciled } from './reconcileTargets';
import { claimShardLease } from './shardLease';
import { OWNERS, batchTally, noTraffic } from './reconcileTraffic';

/**
 * JSON batches of one shard in flight at once. Batches do not depend on each other; the pacer
 * still bounds the shard's resource units, so this only overlaps their round trips.
 */
export const BATCHES_IN_FLIGHT = 4;
const PERMISSION = PULLED_STREAMS[OWNERS].permission;

export type ReconcileShardInput = { syncRunId: number; connectorId: string; shard: number; requestsPerSecond: number };

/**
 * Reads the owners of every app and service principal of one shard, and the app role assignments
 * of every service principal, 20 requests per JSON batch, a few batches at a time, paced under the
 * tenant's throttling budget. Each batch's result is stored with its targets' done flags in one
 * transaction, so a retried attempt continues with the targets not yet done; the shard's lease
 * (activities/staging/shardLease.ts) refuses the stores of any attempt a later one superseded.
 */
export function reconcileShardActivity({ db, graph }: ActivityDeps) {
  return async function reconcileShard(input: ReconcileShardInput): Promise<{ targets: number; gone: number }> {
    const ctx = Context.current();
    const owner = owningRun();
    await claimRun(db, input.syncRunId, owner);
    const lease = await claimShardLease(db, input.syncRunId, input.shard, owner);
    const connector = await requireConnector(db, input.connectorId);
    const session = await graph.open(connector, PERMISSION);
    let done = 0;
    const wait = activityWait(ctx, () => ({ shard: input.shard, done }));
    const retry = { maxAttempts: GRAPH_RETRY_ATTEMPTS, wait };
    const pacer = new Pacer(input.requestsPerSecond, Math.max(20, input.requestsPerSecond), wait);

    let traffic = noTraffic();
    const reader = new CollectionReader(await graph.open(connector, PERMISSION), retry, () => traffic);
    const reading: BatchReading = { session, retry, observer: batchTally(() => traffic), reader, notFound: new NotFoundConfirmation(reader, retry) };
    const flushTraffic = async () => {
      const caused = traffic;
      traffic = noTraffic();
      if (Object.values(caused).some((t) => t.requests > 0)) await addStreamTraffic(db, input.syncRunId, caused);
    };

    const targets = await shardTargets(db, input.syncRunId, input.shard);
    const chunks = Array.from({ length: Math.ceil(targets.length / TARGETS_PER_BATCH) }, (_, i) => targets.slice(i * TARGETS_PER_BATCH, (i + 1) * TARGETS_PER_BATCH));
    let gone = 0;
    let next = 0;
    let failed = false;
    const lane = async () => {
      while (!failed && next < chunks.length) {
        const chunk = chunks[next++]!;
        const requests = batchRequests(chunk);
        await pacer.take(requests.length);
        const results = await readTargetBatch(chunk, requests, reading);
        await storeReconciled(db, lease, results);
        await flushTraffic();
        gone += results.filter((r) => r.gone).length;
        done += chunk.length;
        ctx.heartbeat({ shard: input.shard, done });
      }
    };
    try {
      const lanes = Array.from({ length: Math.min(BATCHES_IN_FLIGHT, chunks.length) }, () =>
        lane().catch((err: unknown) => {
          // The other lanes stop taking batches; those in flight finish (their results are kept).
          failed = true;
          throw err;
        }),
      );
      const outcomes = await Promise.allSettled(lanes);
      const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failure) throw failure.reason;
    } finally {
      // A batch that failed caused traffic too.
      await flushTraffic().catch(() => undefined);
    }
    return { targets: targets.length, gone };
  };
}
