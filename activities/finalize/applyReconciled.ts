import type { Queryable } from '../store/database';
import type { Counts } from './counts';

/** Replaces owners and app role assignments with what this run's reconciliation read. */
export async function applyReconciled(tx: Queryable, connectorId: string, runId: number): Promise<{ owners: Counts; appRoleAssignments: Counts }> {
  const unfinished = await tx.query('select 1 from reconcile_targets where run_id = $1 and not done limit 1', [runId]);
  if (unfinished.rowCount) throw new Error(`run ${runId}: reconciliation has not finished`);
  const ownersGone = await tx.query(
    `delete from owners o where o.connector_id = $1 and not exists (
       select 1 from staged_owners s where s.run_id = $2 and s.object_type = o.object_type and s.object_id = o.object_id and s.owner_id = o.owner_id)`,
    [connectorId, runId],
  );
  const ownersAdded = await tx.query(
    `insert into owners (connector_id, object_type, object_id, owner_id, owner_type, first_seen_run_id)
     select $1, s.object_type, s.object_id, s.owner_id, s.owner_type, $2 from staged_owners s where s.run_id = $2
     on conflict (connector_id, object_type, object_id, owner_id) do nothing`,
    [connectorId, runId],
  );
  const assignmentsGone = await tx.query(
    `delete from app_role_assignments a where a.connector_id = $1 and not exists (
       select 1 from staged_app_role_assignments s where s.run_id = $2 and s.id = a.id)`,
    [connectorId, runId],
  );
  const assignmentsWritten = await tx.query(
    `insert into app_role_assignments as live (connector_id, id, data, first_seen_run_id)
     select $1, s.id, s.data, $2 from staged_app_role_assignments s where s.run_id = $2
     on conflict (connector_id, id) do update set data = excluded.data where live.data is distinct from excluded.data`,
    [connectorId, runId],
  );
  return {
    owners: { upserted: ownersAdded.rowCount ?? 0, removed: ownersGone.rowCount ?? 0 },
    appRoleAssignments: { upserted: assignmentsWritten.rowCount ?? 0, removed: assignmentsGone.rowCount ?? 0 },
  };
}
