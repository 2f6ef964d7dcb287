import type { Queryable } from '../store/database';
import type { Counts } from './counts';

/**
 * Replaces the PIM for Groups schedule instances (eligible and active, memberships and
 * ownerships) with what this run read, keyed by (connector, kind, instance id). A pull the tenant
 * could not offer staged nothing, so the copy then holds none, and the run's coverage says why.
 */
export async function applyGroupPimSchedules(tx: Queryable, connectorId: string, runId: number): Promise<Counts> {
  const gone = await tx.query(
    `delete from group_pim_schedule_instances l where l.connector_id = $1 and not exists (
       select 1 from staged_group_pim_schedules s where s.run_id = $2 and s.kind = l.kind and s.id = l.id)`,
    [connectorId, runId],
  );
  const written = await tx.query(
    `insert into group_pim_schedule_instances as live (connector_id, kind, id, data, first_seen_run_id)
     select $1, s.kind, s.id, s.data, $2 from staged_group_pim_schedules s where s.run_id = $2
     on conflict (connector_id, kind, id) do update set data = excluded.data where live.data is distinct from excluded.data`,
    [connectorId, runId],
  );
  return { upserted: written.rowCount ?? 0, removed: gone.rowCount ?? 0 };
}
