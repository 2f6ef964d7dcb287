import type { StreamMode } from '../../shared/streams';
import type { Queryable } from '../store/database';

/**
 * Applies staged owners@delta onto group_owners, exactly as memberships are applied: a bootstrap
 * round lists every owner, so pairs it did not list are gone; an incremental round lists only
 * additions and removals. Owners of groups that no longer exist go with them. An owner Graph sent
 * without `@odata.type` takes its type from the inventory (Graph documents only the id).
 */
export async function applyStagedGroupOwners(
  tx: Queryable,
  connectorId: string,
  runId: number,
  groupsMode: StreamMode,
): Promise<{ upserted: number; removed: number }> {
  let removed = 0;
  if (groupsMode === 'bootstrap') {
    const gone = await tx.query(
      `delete from group_owners o where o.connector_id = $1
          and not exists (select 1 from staged_group_owners s
                           where s.run_id = $2 and s.group_id = o.group_id and s.owner_id = o.owner_id and not s.removed)`,
      [connectorId, runId],
    );
    removed += gone.rowCount ?? 0;
  } else {
    const gone = await tx.query(
      `delete from group_owners o using staged_group_owners s
        where o.connector_id = $1 and s.run_id = $2 and s.removed and s.group_id = o.group_id and s.owner_id = o.owner_id`,
      [connectorId, runId],
    );
    removed += gone.rowCount ?? 0;
  }
  const added = await tx.query(
    `insert into group_owners (connector_id, group_id, owner_id, owner_type, first_seen_run_id)
     select $1, s.group_id, s.owner_id,
            case when s.owner_type <> 'unknown' then s.owner_type
                 when exists (select 1 from users u where u.connector_id = $1 and u.id = s.owner_id) then 'user'
                 when exists (select 1 from service_principals p where p.connector_id = $1 and p.id = s.owner_id) then 'servicePrincipal'
                 else 'unknown' end,
            $2
       from staged_group_owners s where s.run_id = $2 and not s.removed
     on conflict (connector_id, group_id, owner_id) do update set owner_type = excluded.owner_type
     where group_owners.owner_type is distinct from excluded.owner_type`,
    [connectorId, runId],
  );
  const orphaned = await tx.query(
    `delete from group_owners o using groups g
      where o.connector_id = $1 and g.connector_id = o.connector_id and g.id = o.group_id and g.deleted_at is not null`,
    [connectorId],
  );
  removed += orphaned.rowCount ?? 0;
  return { upserted: added.rowCount ?? 0, removed };
}
