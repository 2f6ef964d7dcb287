import type { Queryable } from '../store/database';

const OWNERS = [
  { ownerType: 'application', table: 'applications' },
  { ownerType: 'servicePrincipal', table: 'service_principals' },
] as const;

/**
 * Re-derives the credential rows of every application and service principal this run changed
 * (or tombstoned) from their passwordCredentials and keyCredentials.
 */
export async function deriveCredentials(tx: Queryable, connectorId: string, syncRunId: number): Promise<{ upserted: number; removed: number }> {
  let upserted = 0;
  let removed = 0;
  for (const { ownerType, table } of OWNERS) {
    const current = `
      select o.id as owner_id, k.kind, c ->> 'keyId' as key_id, c ->> 'displayName' as display_name, c ->> 'hint' as hint,
             graph_timestamp(c ->> 'startDateTime') as starts_at, graph_timestamp(c ->> 'endDateTime') as ends_at,
             c ->> 'customKeyIdentifier' as custom_key_identifier
        from ${table} o
        cross join lateral (values ('password', o.data -> 'passwordCredentials'), ('certificate', o.data -> 'keyCredentials')) as k(kind, list)
        cross join lateral jsonb_array_elements(case when jsonb_typeof(k.list) = 'array' then k.list else '[]'::jsonb end) as c
       where o.connector_id = $1 and o.last_changed_run_id = $2 and o.deleted_at is null and c ->> 'keyId' is not null`;
    const gone = await tx.query(
      `delete from credentials cr using ${table} o
        where cr.connector_id = $1 and cr.owner_type = $3 and o.connector_id = cr.connector_id and o.id = cr.owner_id
          and o.last_changed_run_id = $2
          and not exists (select 1 from (${current}) cur where cur.owner_id = cr.owner_id and cur.key_id = cr.key_id)`,
      [connectorId, syncRunId, ownerType],
    );
    const written = await tx.query(
      `insert into credentials (connector_id, owner_type, owner_id, key_id, kind, display_name, hint, starts_at, ends_at,
                                custom_key_identifier, first_seen_run_id)
       select distinct on (cur.owner_id, cur.key_id) $1, $3, cur.owner_id, cur.key_id, cur.kind, cur.display_name, cur.hint,
              cur.starts_at, cur.ends_at, cur.custom_key_identifier, $2
         from (${current}) cur
       on conflict (connector_id, owner_type, owner_id, key_id) do update set
         kind = excluded.kind, display_name = excluded.display_name, hint = excluded.hint, starts_at = excluded.starts_at,
         ends_at = excluded.ends_at, custom_key_identifier = excluded.custom_key_identifier
       where (credentials.kind, credentials.display_name, credentials.hint, credentials.starts_at, credentials.ends_at,
              credentials.custom_key_identifier)
             is distinct from (excluded.kind, excluded.display_name, excluded.hint, excluded.starts_at, excluded.ends_at,
                               excluded.custom_key_identifier)`,
      [connectorId, syncRunId, ownerType],
    );
    removed += gone.rowCount ?? 0;
    upserted += written.rowCount ?? 0;
  }
  return { upserted, removed };
}
