import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureKind } from '../../shared/failureKinds';
import { PULLED_STREAMS } from '../../shared/streams';
import type { ActivityDeps } from '../deps';
import type { GraphObject } from '../graph/deltaPages';
import { memberType } from '../graph/odataType';
import { sendBatch, type BatchObserver, type BatchRequest, type BatchResult } from '../graph/jsonBatch';
import { fetchListPage, parseListPage, type ListPage } from '../graph/listPages';
import { objectExists, objectPath } from '../graph/objectExists';
import { Pacer } from '../graph/pacer';
import { activityWait } from '../activityWait';
import { requireConnector } from '../requireConnector';
import { shardTargets, storeReconciled, type ReconcileTarget, type ReconciledTarget } from './reconcileTargets';
import { GRAPH_RETRY_ATTEMPTS } from '../graph/graphRetry';
import { addStreamTraffic, type StreamTraffic } from './pullRecords';
import { owningRun } from '../owningRun';
import { claimRun } from '../store/runs';

/** Targets per batch: a service principal takes two sub-requests (owners, appRoleAssignedTo). */
const TARGETS_PER_BATCH = 10;
/** A 404 from $batch: the object may be gone, or a replica may not have it yet. */
const NOT_FOUND = 'notFound' as const;
/** Pause before confirming a 404 by a direct GET, so a lagging replica can catch up. */
const CONFIRM_AFTER_MS = 2_000;
const OWNERS = 'owners';
const ASSIGNMENTS = 'appRoleAssignments';
const PERMISSION = PULLED_STREAMS[OWNERS].permission;
type ReconcileStream = typeof OWNERS | typeof ASSIGNMENTS;

export type ReconcileShardInput = { runId: number; connectorId: string; shard: number; requestsPerSecond: number };

const ownersUrl = (t: ReconcileTarget) =>
  `/${t.objectType === 'application' ? 'applications' : 'servicePrincipals'}/${t.objectId}/owners?$select=id`;
const assignedToUrl = (t: ReconcileTarget) => `/servicePrincipals/${t.objectId}/appRoleAssignedTo`;

/**
 * Reads the owners of every app and service principal of one shard, and the app role assignments
 * of every service principal, 20 requests per JSON batch, paced under the tenant's throttling
 * budget. Progress lives in reconcile_targets, so a retried attempt continues where it stopped.
 */
export function reconcileShardActivity({ db, graph }: ActivityDeps) {
  return async function reconcileShard(input: ReconcileShardInput): Promise<{ targets: number; gone: number }> {
    const ctx = Context.current();
    await claimRun(db, input.runId, owningRun());
    const connector = await requireConnector(db, input.connectorId);
    const session = await graph.open(connector, PERMISSION);
    const wait = activityWait(ctx, () => ({ shard: input.shard }));
    const retry = { maxAttempts: GRAPH_RETRY_ATTEMPTS, wait };
    const pacer = new Pacer(input.requestsPerSecond, Math.max(20, input.requestsPerSecond), wait);

    const targets = await shardTargets(db, input.runId, input.shard);
    let traffic = noTraffic();
    const observer = batchTally(() => traffic);
    const flushTraffic = async () => {
      const caused = traffic;
      traffic = noTraffic();
      if (Object.values(caused).some((t) => t.requests > 0)) await addStreamTraffic(db, input.runId, caused);
    };
    let gone = 0;
    try {
      for (let i = 0; i < targets.length; i += TARGETS_PER_BATCH) {
        const chunk = targets.slice(i, i + TARGETS_PER_BATCH);
        const requests: BatchRequest[] = chunk.flatMap((t, n) => [
          { id: `o${n}`, url: ownersUrl(t) },
          ...(t.objectType === 'servicePrincipal' ? [{ id: `a${n}`, url: assignedToUrl(t) }] : []),
        ]);
        await pacer.take(requests.length);
        let answers: Map<string, BatchResult>;
        try {
          answers = await sendBatch(session.client, requests, retry, observer);
        } catch (err) {
          throw session.failed(err, '$batch');
        }
        const results: ReconciledTarget[] = [];
        for (const [n, target] of chunk.entries()) {
          let owners = await collect(answers.get(`o${n}`), ownersUrl(target), OWNERS);
          let assignments = target.objectType === 'servicePrincipal' ? await collect(answers.get(`a${n}`), assignedToUrl(target), ASSIGNMENTS) : [];
          // One 404 means "maybe deleted" (replication delay): only a confirmed one marks the target gone.
          const isGone = (owners === NOT_FOUND || assignments === NOT_FOUND) && (await deletionConfirmed(target));
          if (!isGone) {
            if (owners === NOT_FOUND) owners = await reread(ownersUrl(target), OWNERS);
            if (assignments === NOT_FOUND) assignments = await reread(assignedToUrl(target), ASSIGNMENTS);
          }
          if (isGone) gone++;
          results.push({
            ...target,
            gone: isGone,
            owners: isGone ? [] : (owners as GraphObject[]).map((o) => ({ id: o.id, type: memberType(o['@odata.type']) })),
            assignments: isGone ? [] : (assignments as GraphObject[]).map((a) => ({ id: a.id, data: a })),
          });
        }
        await storeReconciled(db, input.runId, results);
        await flushTraffic();
        ctx.heartbeat({ shard: input.shard, done: i + chunk.length });
      }
    } finally {
      // A batch that failed caused traffic too.
      await flushTraffic().catch(() => undefined);
    }
    return { targets: targets.length, gone };

    /** One sub-response, with its nextLinks followed; NOT_FOUND when Graph answered 404 (maybe deleted meanwhile). */
    async function collect(answer: BatchResult | undefined, what: string, stream: ReconcileStream): Promise<GraphObject[] | typeof NOT_FOUND> {
      if (!answer) throw ApplicationFailure.create({ type: FailureKind.GraphBadResponse, message: `Microsoft Graph's $batch response lacked ${what}` });
      if (answer.status === 404) return NOT_FOUND;
      if (answer.status !== 200) {
        const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
        throw session.failed(Object.assign(new Error(error?.message ?? `HTTP ${answer.status}`), { statusCode: answer.status, code: error?.code ?? null }), what);
      }
      return follow(parseListPage(answer.body, what), what, stream);
    }

    /** The rest of a collection from its first page, following nextLinks. */
    async function follow(first: ListPage, what: string, stream: ReconcileStream): Promise<GraphObject[] | typeof NOT_FOUND> {
      let page = first;
      const objects = [...page.objects];
      while (page.nextLink) {
        const link = page.nextLink;
        const next = await counted(stream, what, () => fetchListPage(session.client, link, what, retry));
        if (next === NOT_FOUND) return NOT_FOUND;
        page = next;
        traffic[stream].pages += 1;
        objects.push(...page.objects);
      }
      return objects;
    }

    /** A Graph call counted to `stream`; NOT_FOUND on 404, any other failure named and thrown. */
    async function counted<T>(stream: ReconcileStream, what: string, call: () => Promise<T>): Promise<T | typeof NOT_FOUND> {
      const before = { ...session.traffic };
      try {
        return await call();
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return NOT_FOUND;
        throw session.failed(err, what);
      } finally {
        // One call at a time per shard: the session's counters moved for this call alone.
        traffic[stream].requests += session.traffic.requests - before.requests;
        traffic[stream].throttled += session.traffic.throttled - before.throttled;
      }
    }

    /** After a pause for replication, a direct GET of the object: only its 404 confirms the deletion. */
    async function deletionConfirmed(target: ReconcileTarget): Promise<boolean> {
      await wait(CONFIRM_AFTER_MS);
      const path = objectPath(target.objectType, target.objectId);
      return (await counted(OWNERS, path, async () => objectExists(session.client, path, retry))) === false;
    }

    /** A collection that answered 404 while its object exists: read again directly, or retry the shard later. */
    async function reread(what: string, stream: ReconcileStream): Promise<GraphObject[]> {
      const first = await counted(stream, what, () => fetchListPage(session.client, what, what, retry));
      traffic[stream].pages += first === NOT_FOUND ? 0 : 1;
      const objects = first === NOT_FOUND ? NOT_FOUND : await follow(first, what, stream);
      if (objects !== NOT_FOUND) return objects;
      // Never a deletion: the object is there. Temporal retries the shard, which resumes at this target.
      throw ApplicationFailure.create({
        type: FailureKind.GraphUnavailable,
        message: `Microsoft Graph answered 404 for ${what} although the object exists (replication delay); the shard is retried`,
      });
    }
  };
}

const noTraffic = (): Record<ReconcileStream, StreamTraffic> => ({
  [OWNERS]: { pages: 0, requests: 0, subRequests: 0, throttled: 0 },
  [ASSIGNMENTS]: { pages: 0, requests: 0, subRequests: 0, throttled: 0 },
});

const streamOf = (request: BatchRequest): ReconcileStream => (request.id.startsWith('o') ? OWNERS : ASSIGNMENTS);

/**
 * Counts a batch's traffic per stream: each sub-request and its 429s to its own stream; each
 * HTTP POST once, to owners when it carries any owners sub-request, so the streams' requests
 * add up to the requests sent.
 */
function batchTally(traffic: () => Record<ReconcileStream, StreamTraffic>): BatchObserver {
  return {
    posted(requests, throttled) {
      const stream = requests.some((r) => streamOf(r) === OWNERS) ? OWNERS : ASSIGNMENTS;
      traffic()[stream].requests += 1;
      if (throttled) traffic()[stream].throttled += 1;
      for (const request of requests) traffic()[streamOf(request)].subRequests += 1;
    },
    answered(request, status) {
      if (status === 429) traffic()[streamOf(request)].throttled += 1;
      if (status === 200) traffic()[streamOf(request)].pages += 1;
    },
  };
}
