import type { Queryable } from '../store/database';
import type { Counts } from './counts';

/** Replaces role definitions and active role assignments with what this run read. */
export async function applyDirectoryRoles(tx: Queryable, connectorId: string, syncRunId: number): Promise<Counts> {
  await tx.query(
    `delete from directory_role_definitions d where d.connector_id = $1 and not exists (
       select 1 from staged_directory_roles s where s.run_id = $2 and s.kind = 'definition' and s.id = d.id)`,
    [connectorId, syncRunId],
  );
  await tx.query(
    `insert into directory_role_definitions as live (connector_id, id, data)
     select $1, s.id, s.data from staged_directory_roles s where s.run_id = $2 and s.kind = 'definition'
     on conflict (connector_id, id) do update set data = excluded.data where live.data is distinct from excluded.data`,
    [connectorId, syncRunId],
  );
  const gone = await tx.query(
    `delete from directory_role_assignments a where a.connector_id = $1 and not exists (
       select 1 from staged_directory_roles s where s.run_id = $2 and s.kind = 'assignment' and s.id = a.id)`,
    [connectorId, syncRunId],
  );
  const written = await tx.query(
    `insert into directory_role_assignments as live (connector_id, id, data, first_seen_run_id)
     select $1, s.id, s.data, $2 from staged_directory_roles s where s.run_id = $2 and s.kind = 'assignment'
     on conflict (connector_id, id) do update set data = excluded.data where live.data is distinct from excluded.data`,
    [connectorId, syncRunId],
  );
  return { upserted: written.rowCount ?? 0, removed: gone.rowCount ?? 0 };
}
