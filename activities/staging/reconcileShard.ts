import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureKind } from '../../shared/failureKinds';
import { PULLED_STREAMS } from '../../shared/streams';
import type { ActivityDeps } from '../deps';
import type { GraphObject } from '../graph/deltaPages';
import { memberType } from '../graph/odataType';
import { sendBatch, type BatchObserver, type BatchRequest, type BatchResult } from '../graph/jsonBatch';
import { fetchListPage, parseListPage } from '../graph/listPages';
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
          const owners = await collect(answers.get(`o${n}`), ownersUrl(target), OWNERS);
          const assignments = target.objectType === 'servicePrincipal' ? await collect(answers.get(`a${n}`), assignedToUrl(target), ASSIGNMENTS) : [];
          const isGone = owners === 'gone' || assignments === 'gone';
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

    /** One sub-response, with its nextLinks followed; 'gone' when the object was deleted meanwhile. */
    async function collect(answer: BatchResult | undefined, what: string, stream: ReconcileStream): Promise<GraphObject[] | 'gone'> {
      if (!answer) throw ApplicationFailure.create({ type: FailureKind.GraphBadResponse, message: `Microsoft Graph's $batch response lacked ${what}` });
      if (answer.status === 404) return 'gone';
      if (answer.status !== 200) {
        const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
        throw session.failed(Object.assign(new Error(error?.message ?? `HTTP ${answer.status}`), { statusCode: answer.status, code: error?.code ?? null }), what);
      }
      let page = parseListPage(answer.body, what);
      const objects = [...page.objects];
      while (page.nextLink) {
        const link = page.nextLink;
        const before = { ...session.traffic };
        try {
          page = await fetchListPage(session.client, link, what, retry);
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode === 404) return 'gone';
          throw session.failed(err, what);
        } finally {
          // One call at a time per shard: the session's counters moved for this link alone.
          traffic[stream].requests += session.traffic.requests - before.requests;
          traffic[stream].throttled += session.traffic.throttled - before.throttled;
        }
        traffic[stream].pages += 1;
        objects.push(...page.objects);
      }
      return objects;
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
