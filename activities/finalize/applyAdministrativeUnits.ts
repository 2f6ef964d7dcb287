import type { Queryable } from '../store/database';
import type { Counts } from './counts';

/** Replaces the administrative units with what this run read (none when it could not read them). */
export async function applyAdministrativeUnits(tx: Queryable, connectorId: string, syncRunId: number): Promise<Counts> {
  const gone = await tx.query(
    `delete from administrative_units l where l.connector_id = $1 and not exists (
       select 1 from staged_administrative_units s where s.run_id = $2 and s.id = l.id)`,
    [connectorId, syncRunId],
  );
  const written = await tx.query(
    `insert into administrative_units as live (connector_id, id, data, first_seen_run_id)
     select $1, s.id, s.data, $2 from staged_administrative_units s where s.run_id = $2
     on conflict (connector_id, id) do update set data = excluded.data where live.data is distinct from excluded.data`,
    [connectorId, syncRunId],
  );
  return { upserted: written.rowCount ?? 0, removed: gone.rowCount ?? 0 };
}
