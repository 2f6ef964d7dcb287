import { RECONCILED_STREAMS } from '../../shared/streams';
import type { Database, Queryable } from '../store/database';
import { inTransaction } from '../store/database';

export type ReconcileTarget = { objectType: 'application' | 'servicePrincipal'; objectId: string };

export const SHARD_SIZE = 500;

/**
 * The apps and service principals of the inventory as this run leaves it (live rows, plus what
 * the run staged, minus what it removed; only what it staged after a bootstrap), cut into shards.
 * Running it again returns the same plan.
 */
export async function planTargets(db: Database, runId: number, connectorId: string): Promise<{ shards: number; users: number }> {
  return inTransaction(db, async (tx) => {
    const existing = await tx.query<{ shards: number }>('select coalesce(max(shard) + 1, 0)::int as shards from reconcile_targets where run_id = $1', [runId]);
    if (existing.rows[0]!.shards === 0) {
      await tx.query(
        `insert into reconcile_targets (run_id, object_type, object_id, shard)
         select $1, t.object_type, t.object_id, ((row_number() over (order by t.object_type, t.object_id)) - 1) / $3
           from (${resulting('application', 'applications', 'applications')}
                 union ${resulting('servicePrincipal', 'servicePrincipals', 'service_principals')}) t
         on conflict do nothing`,
        [runId, connectorId, SHARD_SIZE],
      );
    }
    const shards = await tx.query<{ shards: number }>('select coalesce(max(shard) + 1, 0)::int as shards from reconcile_targets where run_id = $1', [runId]);
    // Planned: finalize replaces owners and assignments once every target is done.
    await tx.query('update sync_run_streams set pulled_at = now() where run_id = $1 and stream = any($2)', [runId, RECONCILED_STREAMS]);
    const users = await tx.query<{ n: number }>(`select (${resultingCount('users', 'users')})::int as n`, [runId, connectorId]);
    return { shards: shards.rows[0]!.shards, users: users.rows[0]!.n };
  });
}

function bootstrapped(stream: string): string {
  return `exists (select 1 from sync_run_streams r where r.run_id = $1 and r.stream = '${stream}' and r.mode = 'bootstrap')`;
}

function resulting(objectType: string, stream: string, table: string): string {
  return `select '${objectType}' as object_type, s.object_id from staged_objects s where s.run_id = $1 and s.stream = '${stream}' and s.data is not null
          union
          select '${objectType}', l.id from ${table} l
           where l.connector_id = $2 and l.deleted_at is null and not ${bootstrapped(stream)}
             and not exists (select 1 from staged_objects s where s.run_id = $1 and s.stream = '${stream}' and s.object_id = l.id and s.data is null)`;
}

function resultingCount(stream: string, table: string): string {
  return `select count(*) from (${resulting(stream, stream, table)}) r`;
}

export async function shardTargets(db: Queryable, runId: number, shard: number): Promise<ReconcileTarget[]> {
  const { rows } = await db.query(
    `select object_type as "objectType", object_id as "objectId" from reconcile_targets
      where run_id = $1 and shard = $2 and not done order by object_type, object_id`,
    [runId, shard],
  );
  return rows as ReconcileTarget[];
}

export type ReconciledTarget = ReconcileTarget & {
  gone: boolean;
  owners: Array<{ id: string; type: string }>;
  assignments: Array<{ id: string; data: unknown }>;
};

/** Stores what a batch found for its targets and marks them done, in one transaction. */
export async function storeReconciled(db: Database, runId: number, results: ReconciledTarget[]): Promise<void> {
  await inTransaction(db, async (tx) => {
    const types = results.map((r) => r.objectType);
    const ids = results.map((r) => r.objectId);
    // A target retried after a crash starts clean.
    await tx.query(
      `delete from staged_owners s using unnest($2::text[], $3::text[]) t(object_type, object_id)
        where s.run_id = $1 and s.object_type = t.object_type and s.object_id = t.object_id`,
      [runId, types, ids],
    );
    await tx.query(`delete from staged_app_role_assignments where run_id = $1 and resource_id = any($2)`, [runId, ids]);
    const owners = results.flatMap((r) => r.owners.map((o) => ({ ...r, owner: o })));
    await tx.query(
      `insert into staged_owners (run_id, object_type, object_id, owner_id, owner_type)
       select $1, o.t, o.i, o.oi, o.ot from unnest($2::text[], $3::text[], $4::text[], $5::text[]) o(t, i, oi, ot)
       on conflict do nothing`,
      [runId, owners.map((o) => o.objectType), owners.map((o) => o.objectId), owners.map((o) => o.owner.id), owners.map((o) => o.owner.type)],
    );
    const assignments = results.flatMap((r) => r.assignments.map((a) => ({ resourceId: r.objectId, ...a })));
    await tx.query(
      `insert into staged_app_role_assignments (run_id, id, resource_id, data)
       select $1, a.i, a.r, a.d from unnest($2::text[], $3::text[], $4::jsonb[]) a(i, r, d)
       on conflict (run_id, id) do update set data = excluded.data, resource_id = excluded.resource_id`,
      [runId, assignments.map((a) => a.id), assignments.map((a) => a.resourceId), assignments.map((a) => JSON.stringify(a.data))],
    );
    await tx.query(
      `update reconcile_targets t set done = true, gone = g.gone
         from unnest($2::text[], $3::text[], $4::boolean[]) g(object_type, object_id, gone)
        where t.run_id = $1 and t.object_type = g.object_type and t.object_id = g.object_id`,
      [runId, types, ids, results.map((r) => r.gone)],
    );
  });
}
