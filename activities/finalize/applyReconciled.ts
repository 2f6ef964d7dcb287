import type { Queryable } from '../store/database';
import type { Counts } from './counts';
import { recordReadFailures } from './reconcileFailures';
import { liveTarget as live } from './liveTarget';

/**
 * Applies what this run's reconciliation read: the owners and app role assignments of each target
 * it read are replaced by what Graph answered (nothing, for a target confirmed deleted); every
 * other live row stays as it was, since it was not read, and so do those of a target whose read
 * failed (its last known rows; reconcileFailures.ts schedules its retry). Rows of objects that are no longer live go too: apps and service principals the delta
 * removed or a bootstrap did not see, and owners or assignment principals this run's delta removed
 * or the inventory holds deleted (Graph stops listing them). A read taken before the delta removed
 * such a principal still lists it: those staged rows are not inserted. Then it records each target's read in reconcile_reads, in the same
 * transaction, so only a committed read counts as one. With `keepChanged` (an incremental run) the
 * assignments it removed or wrote are kept in CHANGED_ASSIGNMENTS for the entitlements.
 */
export async function applyReconciled(
  tx: Queryable,
  connectorId: string,
  syncRunId: number,
  { keepChanged = false }: { keepChanged?: boolean } = {},
): Promise<{ owners: Counts; appRoleAssignments: Counts }> {
  const unfinished = await tx.query('select 1 from reconcile_targets where run_id = $1 and not done limit 1', [syncRunId]);
  if (unfinished.rowCount) throw new Error(`run ${syncRunId}: reconciliation has not finished`);
  const ownersGone = await tx.query(
    `delete from owners o where o.connector_id = $1 and (
       (exists (select 1 from reconcile_targets t where t.run_id = $2 and t.object_type = o.object_type and t.object_id = o.object_id and t.failure is null)
        and not exists (select 1 from staged_owners s where s.run_id = $2 and s.object_type = o.object_type and s.object_id = o.object_id and s.owner_id = o.owner_id))
       or not ${live('o.object_type', 'o.object_id')}
       or ${removedThisRun(['users', 'servicePrincipals'], 'o.owner_id')})`,
    [connectorId, syncRunId],
  );
  const ownersAdded = await tx.query(
    `insert into owners (connector_id, object_type, object_id, owner_id, owner_type, first_seen_run_id)
     select $1, s.object_type, s.object_id, s.owner_id, s.owner_type, $2 from staged_owners s
      where s.run_id = $2 and not ${removed(['users', 'servicePrincipals'], 's.owner_id')}
     on conflict (connector_id, object_type, object_id, owner_id) do nothing`,
    [connectorId, syncRunId],
  );
  if (keepChanged) await createChangedAssignments(tx);
  const assignmentsGone = await tx.query(
    kept(
      keepChanged,
      `delete from app_role_assignments a where a.connector_id = $1 and (
         (exists (select 1 from reconcile_targets t where t.run_id = $2 and t.object_type = 'servicePrincipal' and t.object_id = a.resource_id and t.failure is null)
          and not exists (select 1 from staged_app_role_assignments s where s.run_id = $2 and s.id = a.id))
         or not ${live(`'servicePrincipal'`, 'a.resource_id')}
         or ${removedThisRun(['users', 'groups', 'servicePrincipals'], 'a.principal_id')})`,
    ),
    [connectorId, syncRunId],
  );
  const assignmentsWritten = await tx.query(
    kept(
      keepChanged,
      `insert into app_role_assignments as live (connector_id, id, data, first_seen_run_id)
       select $1, s.id, s.data, $2 from staged_app_role_assignments s
        where s.run_id = $2 and not ${removed(['users', 'groups', 'servicePrincipals'], "s.data ->> 'principalId'")}
       on conflict (connector_id, id) do update set data = excluded.data where live.data is distinct from excluded.data`,
    ),
    [connectorId, syncRunId],
  );
  await recordReads(tx, connectorId, syncRunId);
  await recordReadFailures(tx, connectorId, syncRunId);
  return {
    owners: { upserted: ownersAdded.rowCount ?? 0, removed: ownersGone.rowCount ?? 0 },
    appRoleAssignments: { upserted: assignmentsWritten.rowCount ?? 0, removed: assignmentsGone.rowCount ?? 0 },
  };
}

/**
 * The app role assignments this transaction removed, added or changed (id and principal), kept
 * for an incremental run's entitlements (recomputeEntitlements.ts): only their rows can change
 * through an assignment. Empty when created by a caller that applied none.
 */
export const CHANGED_ASSIGNMENTS = 'changed_app_role_assignments';

export async function createChangedAssignments(tx: Queryable): Promise<void> {
  await tx.query(`create temp table if not exists ${CHANGED_ASSIGNMENTS} (id text, principal_id text, principal_type text) on commit drop`);
}

/** The statement as is, or with the assignments it wrote or deleted also kept in CHANGED_ASSIGNMENTS (its count is the same). */
function kept(keepChanged: boolean, statement: string): string {
  if (!keepChanged) return statement;
  return `with changed as (${statement} returning id, principal_id, principal_type)
          insert into ${CHANGED_ASSIGNMENTS} (id, principal_id, principal_type) select * from changed`;
}

const PRINCIPAL_TABLES: Record<string, string> = { users: 'users', groups: 'groups', servicePrincipals: 'service_principals' };

/**
 * Whether the principal (an owner, an assignment's principal) is removed: this run's delta removed
 * it, or the inventory, as this run leaves it, holds it deleted. Reconciliation runs beside the
 * users and groups pulls, so it can read a principal that the same run's delta removes later: that
 * row must not come back. A principal the inventory has never seen is kept (it may be newer than
 * the pull that would deliver it).
 */
function removed(streams: Array<keyof typeof PRINCIPAL_TABLES>, principalId: string): string {
  const deleted = streams.map((s) => `exists (select 1 from ${PRINCIPAL_TABLES[s]} p where p.connector_id = $1 and p.id = ${principalId} and p.deleted_at is not null)`);
  return `(${removedThisRun(streams, principalId)} or ${deleted.join(' or ')})`;
}

/** Whether this run's delta removed the principal. (Rows of principals removed earlier went with that run.) */
function removedThisRun(streams: Array<keyof typeof PRINCIPAL_TABLES>, principalId: string): string {
  const list = streams.map((s) => `'${s}'`).join(', ');
  return `exists (select 1 from staged_objects r where r.run_id = $2 and r.stream in (${list}) and r.object_id = ${principalId} and r.data is null)`;
}

/**
 * When each target was last read: the run's start, since what it read is at least that fresh. A
 * target found deleted, or whose read failed, is not recorded; state of objects no longer live is dropped.
 */
async function recordReads(tx: Queryable, connectorId: string, syncRunId: number): Promise<void> {
  await tx.query(
    `insert into reconcile_reads (connector_id, object_type, object_id, read_at, run_id, reason)
     select $1, t.object_type, t.object_id, r.started_at, $2, t.reason
       from reconcile_targets t join sync_runs r on r.id = t.run_id
      where t.run_id = $2 and not t.gone and t.failure is null
     on conflict (connector_id, object_type, object_id) do update
       set read_at = excluded.read_at, run_id = excluded.run_id, reason = excluded.reason`,
    [connectorId, syncRunId],
  );
  await tx.query(`delete from reconcile_reads d where d.connector_id = $1 and not ${live('d.object_type', 'd.object_id')}`, [connectorId]);
}
