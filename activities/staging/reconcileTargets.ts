import type { Database, Queryable } from '../store/database';
import { underShardLease, type ShardLease } from './shardLease';
import type { TargetFailure } from './targetFailure';

export type ReconcileTarget = { objectType: 'application' | 'servicePrincipal'; objectId: string };

export async function shardTargets(db: Queryable, syncRunId: number, shard: number): Promise<ReconcileTarget[]> {
  const { rows } = await db.query(
    `select object_type as "objectType", object_id as "objectId" from reconcile_targets
      where run_id = $1 and shard = $2 and not done order by object_type, object_id`,
    [syncRunId, shard],
  );
  return rows as ReconcileTarget[];
}

export type ReconciledTarget = ReconcileTarget & {
  gone: boolean;
  owners: Array<{ id: string; type: string }>;
  assignments: Array<{ id: string; data: unknown }>;
  /** Its read failed this run: nothing is staged for it, and finalize keeps its last known rows. */
  failure?: TargetFailure;
};

/** Stores what a batch found for its targets and marks them done, in one transaction, while the attempt holds its shard. */
export async function storeReconciled(db: Database, lease: ShardLease, results: ReconciledTarget[]): Promise<void> {
  const { syncRunId } = lease;
  await underShardLease(db, lease, async (tx) => {
    const types = results.map((r) => r.objectType);
    const ids = results.map((r) => r.objectId);
    // A target retried after a crash starts clean.
    await tx.query(
      `delete from staged_owners s using unnest($2::text[], $3::text[]) t(object_type, object_id)
        where s.run_id = $1 and s.object_type = t.object_type and s.object_id = t.object_id`,
      [syncRunId, types, ids],
    );
    await tx.query(`delete from staged_app_role_assignments where run_id = $1 and resource_id = any($2)`, [syncRunId, ids]);
    const owners = results.flatMap((r) => r.owners.map((o) => ({ ...r, owner: o })));
    await tx.query(
      `insert into staged_owners (run_id, object_type, object_id, owner_id, owner_type)
       select $1, o.t, o.i, o.oi, o.ot from unnest($2::text[], $3::text[], $4::text[], $5::text[]) o(t, i, oi, ot)
       on conflict do nothing`,
      [syncRunId, owners.map((o) => o.objectType), owners.map((o) => o.objectId), owners.map((o) => o.owner.id), owners.map((o) => o.owner.type)],
    );
    const assignments = results.flatMap((r) => r.assignments.map((a) => ({ resourceId: r.objectId, ...a })));
    await tx.query(
      `insert into staged_app_role_assignments (run_id, id, resource_id, data)
       select $1, a.i, a.r, a.d from unnest($2::text[], $3::text[], $4::jsonb[]) a(i, r, d)
       on conflict (run_id, id) do update set data = excluded.data, resource_id = excluded.resource_id`,
      [syncRunId, assignments.map((a) => a.id), assignments.map((a) => a.resourceId), assignments.map((a) => JSON.stringify(a.data))],
    );
    await tx.query(
      `update reconcile_targets t set done = true, gone = g.gone, failure = g.failure, failure_message = g.message
         from unnest($2::text[], $3::text[], $4::boolean[], $5::text[], $6::text[]) g(object_type, object_id, gone, failure, message)
        where t.run_id = $1 and t.object_type = g.object_type and t.object_id = g.object_id`,
      [syncRunId, types, ids, results.map((r) => r.gone), results.map((r) => r.failure?.kind ?? null), results.map((r) => r.failure?.message ?? null)],
    );
  });
}
