import type { Queryable } from '../store/database';
import type { Counts } from './counts';
import { stagedInForce } from './endedInstances';

/** The PIM streams and the kind of schedule instance each stages. */
export const ROLE_SCHEDULE_KINDS = { directoryRoleEligibilities: 'eligible', directoryRoleActiveSchedules: 'active' } as const;

/**
 * Replaces one kind of PIM schedule instance with what this run read, keyed by (connector,
 * kind, instance id). A pull the tenant could not offer (no licence) staged nothing, so the
 * copy then holds none: it never shows schedules Graph no longer confirms, and the run's
 * coverage says why they are missing. An ended instance is never held, even when Graph still
 * lists it (endedInstances.ts).
 */
export async function applyRoleSchedules(tx: Queryable, connectorId: string, syncRunId: number, stream: keyof typeof ROLE_SCHEDULE_KINDS): Promise<Counts> {
  const kind = ROLE_SCHEDULE_KINDS[stream];
  const gone = await tx.query(
    `delete from directory_role_schedule_instances l using sync_runs r
      where l.connector_id = $1 and l.kind = $3 and r.id = $2
        and not exists (select 1 from staged_role_schedules s
                         where s.run_id = $2 and s.kind = $3 and s.id = l.id and ${stagedInForce('s', 'r.started_at')})`,
    [connectorId, syncRunId, kind],
  );
  const written = await tx.query(
    `insert into directory_role_schedule_instances as live (connector_id, kind, id, data, first_seen_run_id)
     select $1, s.kind, s.id, s.data, $2 from staged_role_schedules s join sync_runs r on r.id = s.run_id
      where s.run_id = $2 and s.kind = $3 and ${stagedInForce('s', 'r.started_at')}
     on conflict (connector_id, kind, id) do update set data = excluded.data where live.data is distinct from excluded.data`,
    [connectorId, syncRunId, kind],
  );
  return { upserted: written.rowCount ?? 0, removed: gone.rowCount ?? 0 };
}
