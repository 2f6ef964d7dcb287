import { RECONCILED_STREAMS } from '../../shared/streams';
import type { Database, Queryable } from '../store/database';
import { inTransaction } from '../store/database';
import { auditNamedIds } from './auditNamedTargets';
import { stagedAuditChunks } from './stagedAuditChunks';
import { periodicQuota } from './periodicQuota';
import { shardsFor } from './shardSize';

/** Default ENTRA_RECONCILE_FULL_EVERY: the longest a target goes without a full read. */
export const DEFAULT_RECONCILE_FULL_EVERY_MS = 86_400_000;

/** Why a run reads a target's owners and assignments (reconcile_targets.reason, reconcile_reads.reason). */
export type ReconcileReason = 'bootstrap' | 'created' | 'changed' | 'audit' | 'retry' | 'unread' | 'periodic';

/**
 * Which targets a call plans. 'deltas': what the run's deltas and the connector's read history
 * name (created, changed, bootstrapped, retries, never read, the periodic share), as soon as the
 * apps and service principals are staged; 'audit': then, once the audit events are staged, the
 * targets only they name. 'all' (or absent, as runs recorded before 1.3.0 plan): both at once,
 * when the audit events were staged first.
 */
export type ReconcileWave = 'deltas' | 'audit' | 'all';

export type PlannedTargets = { firstShard: number; shards: number; users: number };

/**
 * Chooses the apps and service principals whose owners and app role assignments this run reads,
 * each with its reason, cut into shards (docs/inventory.md): those its delta created or changed
 * (all of a bootstrapped stream), those the run's audit events name, those whose failed read is
 * due for a retry, those never read by a committed run (a connector upgraded from full reads), and
 * the periodic share, oldest read first. A target waiting out its back-off is not read.
 * Running it again for the same run and wave returns the plan it made the first time.
 */
export async function planTargets(db: Database, syncRunId: number, connectorId: string, fullEveryMs: number, wave?: ReconcileWave): Promise<PlannedTargets> {
  return inTransaction(db, async (tx) => {
    let planned: { firstShard: number; shards: number };
    if (wave === 'audit') {
      if (!(await reconciliationPlanned(tx, syncRunId))) await chooseAuditNamed(tx, syncRunId, connectorId);
      planned = await auditShards(tx, syncRunId);
    } else {
      // Chosen once: a plan of no target is not chosen again once the audit wave has planned.
      if ((await shardCount(tx, syncRunId)) === 0 && !(await reconciliationPlanned(tx, syncRunId))) await choose(tx, syncRunId, connectorId, fullEveryMs, wave !== 'deltas');
      // The deltas wave again (a reset to before it): its own shards, not the audit wave's.
      planned = { firstShard: 0, shards: wave === 'deltas' ? (await auditShards(tx, syncRunId)).firstShard : await shardCount(tx, syncRunId) };
    }
    // Planned once the last wave is: finalize applies owners and assignments once every target is done.
    if (wave !== 'deltas') await tx.query('update sync_run_streams set pulled_at = now() where run_id = $1 and stream = any($2)', [syncRunId, RECONCILED_STREAMS]);
    const users = await tx.query<{ n: number }>(`select count(*)::int as n from (${usersUpTo(TENANT_SIZE_COUNTED_UP_TO)}) u`, [syncRunId, connectorId]);
    return { ...planned, users: users.rows[0]!.n };
  });
}

async function shardCount(tx: Queryable, syncRunId: number): Promise<number> {
  const { rows } = await tx.query<{ shards: number }>('select coalesce(max(shard) + 1, 0)::int as shards from reconcile_targets where run_id = $1', [syncRunId]);
  return rows[0]!.shards;
}

async function reconciliationPlanned(tx: Queryable, syncRunId: number): Promise<boolean> {
  const { rows } = await tx.query('select 1 from sync_run_streams where run_id = $1 and stream = any($2) and pulled_at is not null', [syncRunId, RECONCILED_STREAMS]);
  return rows.length > 0;
}

/** The audit wave's shards: after the deltas wave's, holding every target planned for reason 'audit' (the deltas wave plans none). */
async function auditShards(tx: Queryable, syncRunId: number): Promise<{ firstShard: number; shards: number }> {
  const { rows } = await tx.query<{ first: number | null; last: number | null }>(
    `select min(shard)::int as first, max(shard)::int as last from reconcile_targets where run_id = $1 and reason = 'audit'`,
    [syncRunId],
  );
  const { first, last } = rows[0]!;
  return first === null || last === null ? { firstShard: await shardCount(tx, syncRunId), shards: 0 } : { firstShard: first, shards: last - first + 1 };
}

/** The object ids the run's staged audit events name as owners' or assignments' targets, lower case. */
async function auditNamedTargets(tx: Queryable, syncRunId: number): Promise<string[]> {
  const named = new Set<string>();
  const columns = `id, data->'activityDisplayName' as "activityDisplayName", data->'targetResources' as "targetResources"`;
  for await (const events of stagedAuditChunks<{ id: string; activityDisplayName?: unknown; targetResources?: unknown }>(tx, syncRunId, columns)) {
    for (const id of auditNamedIds(events)) named.add(id);
  }
  return [...named].sort();
}

/** The audit wave: targets the audit events name that the deltas wave left out, in shards of their own after its. */
async function chooseAuditNamed(tx: Queryable, syncRunId: number, connectorId: string): Promise<void> {
  const named = await auditNamedTargets(tx, syncRunId);
  if (named.length === 0) return;
  const { rows } = await tx.query<{ objectType: string; objectId: string }>(
    `with ${CLASSIFIED}
     select object_type as "objectType", object_id as "objectId" from classified c where reason = 'audit'
        and not exists (select 1 from reconcile_targets t where t.run_id = $1 and t.object_type = c.object_type and t.object_id = c.object_id)
      order by object_type, object_id`,
    [syncRunId, connectorId, named],
  );
  if (rows.length === 0) return;
  await tx.query(
    `insert into reconcile_targets (run_id, object_type, object_id, reason, shard)
     select $1, u.t, u.i, 'audit', $4 + (u.n - 1) % $5 from unnest($2::text[], $3::text[]) with ordinality as u(t, i, n)
     on conflict do nothing`,
    [syncRunId, rows.map((r) => r.objectType), rows.map((r) => r.objectId), await shardCount(tx, syncRunId), shardsFor(rows.length)],
  );
}

/** Every reason but the audit wave's; with `withAudit`, the audit events' targets too (one wave). */
async function choose(tx: Queryable, syncRunId: number, connectorId: string, fullEveryMs: number, withAudit: boolean): Promise<void> {
  const params = [syncRunId, connectorId, withAudit ? await auditNamedTargets(tx, syncRunId) : []];
  // A tail pass reads only what it saw change or audit events name; retries, never-read targets
  // and the periodic share are left to full runs.
  const kind = await tx.query<{ kind: string }>('select kind from sync_runs where id = $1', [syncRunId]);
  const tail = kind.rows[0]?.kind === 'tail';
  const { rows } = await tx.query<{ total: number; reasoned: number; tailReasoned: number; due: number; elapsedMs: number | null }>(
    `with ${CLASSIFIED}
     select (select count(*) from classified)::int as total,
            (select count(*) from classified where reason is not null)::int as reasoned,
            (select count(*) from classified where reason in (${TAIL_REASONS}))::int as "tailReasoned",
            (select count(*) from classified where reason is null and read_at <= now() - $4 * interval '1 millisecond')::int as due,
            (select extract(epoch from now() - max(read_at)) * 1000 from reconcile_reads where connector_id = $2)::float8 as "elapsedMs"`,
    [...params, fullEveryMs],
  );
  const stats = rows[0]!;
  const quota = tail ? 0 : periodicQuota({ total: stats.total, due: stats.due, elapsedMs: stats.elapsedMs ?? fullEveryMs, periodMs: fullEveryMs });
  // What the insert below chooses: every target with a reason, and the periodic share of the rest.
  const chosen = (tail ? stats.tailReasoned : stats.reasoned) + Math.min(quota, stats.total - stats.reasoned);
  // Dealt out in turn, so each shard gets its share of apps (one sub-request) and service
  // principals (two): shards paced alike then finish together.
  await tx.query(
    `with ${CLASSIFIED},
     chosen as (
       select object_type, object_id, reason from classified where reason is not null and ($6::boolean is false or reason in (${TAIL_REASONS}))
       union all
       select object_type, object_id, 'periodic' from (
         select object_type, object_id from classified where reason is null order by read_at, object_type, object_id limit $4) p)
     insert into reconcile_targets (run_id, object_type, object_id, reason, shard)
     select $1, object_type, object_id, reason, ((row_number() over (order by object_type, object_id)) - 1) % $5 from chosen
     on conflict do nothing`,
    [...params, quota, shardsFor(chosen), tail],
  );
}

/** The reasons a tail pass reads a target for. */
const TAIL_REASONS = `'created', 'changed', 'audit'`;

/** Graph's budget tiers end at 500 users (graph/pacer.ts): counting further would only scan the tenant. */
const TENANT_SIZE_COUNTED_UP_TO = 501;

/**
 * The users as this run leaves the inventory (as resulting() has them), counted up to `limit`:
 * staged ones, and live ones the run did not stage at all. Without a union, so the count stops at
 * the limit instead of reading every user of the tenant (0.4 s at 100,000 users).
 */
function usersUpTo(limit: number): string {
  return `select s.object_id from staged_objects s where s.run_id = $1 and s.stream = 'users' and s.data is not null
          union all
          select l.id from users l
           where l.connector_id = $2 and l.deleted_at is null and not ${bootstrapped('users')}
             and not exists (select 1 from staged_objects s where s.run_id = $1 and s.stream = 'users' and s.object_id = l.id)
          limit ${limit}`;
}

const bootstrapped = (stream: string) =>
  `exists (select 1 from sync_run_streams r where r.run_id = $1 and r.stream = '${stream}' and r.mode = 'bootstrap')`;

/** The objects of a stream as this run leaves the inventory: live rows, plus staged, minus removed (only staged after a bootstrap). */
function resulting(objectType: string, stream: string, table: string): string {
  return `select '${objectType}' as object_type, s.object_id from staged_objects s where s.run_id = $1 and s.stream = '${stream}' and s.data is not null
          union
          select '${objectType}', l.id from ${table} l
           where l.connector_id = $2 and l.deleted_at is null and not ${bootstrapped(stream)}
             and not exists (select 1 from staged_objects s where s.run_id = $1 and s.stream = '${stream}' and s.object_id = l.id and s.data is null)`;
}

/**
 * Reason of each app and service principal of the resulting inventory; null: only the periodic
 * share may take it. A target whose read failed is left out, whatever its reason, until its
 * retry is due (reconcile_failures.retry_at); then it is read with reason 'retry' at least.
 */
function classified(objectType: string, stream: string, table: string): string {
  return `select i.object_type, i.object_id, r.read_at,
                 case when ${bootstrapped(stream)} then 'bootstrap'
                      when s.object_id is not null and not exists (select 1 from ${table} l where l.connector_id = $2 and l.id = i.object_id and l.deleted_at is null) then 'created'
                      when s.object_id is not null then 'changed'
                      when lower(i.object_id) = any($3::text[]) then 'audit'
                      when f.object_id is not null then 'retry'
                      when r.object_id is null then 'unread'
                 end as reason
            from (${resulting(objectType, stream, table)}) i
            left join staged_objects s on s.run_id = $1 and s.stream = '${stream}' and s.object_id = i.object_id and s.data is not null
            left join reconcile_reads r on r.connector_id = $2 and r.object_type = i.object_type and r.object_id = i.object_id
            left join reconcile_failures f on f.connector_id = $2 and f.object_type = i.object_type and f.object_id = i.object_id
           where f.retry_at is null or f.retry_at <= now()`;
}

const CLASSIFIED = `classified as (${classified('application', 'applications', 'applications')}
                   union all ${classified('servicePrincipal', 'servicePrincipals', 'service_principals')})`;
