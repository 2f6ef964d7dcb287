import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import type { GraphObject } from './graph/deltaPages';
import { memberType } from './graph/odataType';
import { ErrorKind } from './graph/graphErrors';
import { sendBatch, type BatchRequest, type BatchResult } from './graph/jsonBatch';
import { fetchListPage, parseListPage } from './graph/listPages';
import { Pacer } from './graph/pacer';
import { activityWait, toGraphFailure } from './graphActivity';
import { requireConnector } from './requireConnector';
import { shardTargets, storeReconciled, type ReconcileTarget, type ReconciledTarget } from './store/reconcileTargets';

/** Targets per batch: a service principal takes two sub-requests (owners, appRoleAssignedTo). */
const TARGETS_PER_BATCH = 10;
const PERMISSION = 'Application.Read.All';

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
    const connector = await requireConnector(db, input.connectorId);
    const session = await graph.open(connector, PERMISSION);
    const wait = activityWait(ctx, () => ({ shard: input.shard }));
    const retry = { maxAttempts: 6, wait };
    const pacer = new Pacer(input.requestsPerSecond, Math.max(20, input.requestsPerSecond), wait);
    const fail = (err: unknown, what: string) =>
      toGraphFailure(err, { ...connector, endpoint: new URL(connector.graphBaseUrl).origin, permission: PERMISSION }, what, session.redact);

    const targets = await shardTargets(db, input.runId, input.shard);
    let gone = 0;
    for (let i = 0; i < targets.length; i += TARGETS_PER_BATCH) {
      const chunk = targets.slice(i, i + TARGETS_PER_BATCH);
      const requests: BatchRequest[] = chunk.flatMap((t, n) => [
        { id: `o${n}`, url: ownersUrl(t) },
        ...(t.objectType === 'servicePrincipal' ? [{ id: `a${n}`, url: assignedToUrl(t) }] : []),
      ]);
      await pacer.take(requests.length);
      let answers: Map<string, BatchResult>;
      try {
        answers = await sendBatch(session.client, requests, retry);
      } catch (err) {
        throw fail(err, '$batch');
      }
      const results: ReconciledTarget[] = [];
      for (const [n, target] of chunk.entries()) {
        const owners = await collect(answers.get(`o${n}`), ownersUrl(target));
        const assignments = target.objectType === 'servicePrincipal' ? await collect(answers.get(`a${n}`), assignedToUrl(target)) : [];
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
      ctx.heartbeat({ shard: input.shard, done: i + chunk.length });
    }
    return { targets: targets.length, gone };

    /** One sub-response, with its nextLinks followed; 'gone' when the object was deleted meanwhile. */
    async function collect(answer: BatchResult | undefined, what: string): Promise<GraphObject[] | 'gone'> {
      if (!answer) throw ApplicationFailure.create({ type: ErrorKind.GraphBadResponse, message: `Microsoft Graph's $batch response lacked ${what}` });
      if (answer.status === 404) return 'gone';
      if (answer.status !== 200) {
        const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
        throw fail(Object.assign(new Error(error?.message ?? `HTTP ${answer.status}`), { statusCode: answer.status, code: error?.code ?? null }), what);
      }
      let page = parseListPage(answer.body, what);
      const objects = [...page.objects];
      while (page.nextLink) {
        const link = page.nextLink;
        try {
          page = await fetchListPage(session.client, link, what, retry);
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode === 404) return 'gone';
          throw fail(err, what);
        }
        objects.push(...page.objects);
      }
      return objects;
    }
  };
}
