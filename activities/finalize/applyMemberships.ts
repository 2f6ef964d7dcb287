import type { StreamMode } from '../../shared/streams';
import type { Queryable } from '../store/database';

/**
 * Applies staged members@delta onto group_members. A bootstrap round lists every membership, so
 * pairs it did not list are gone; an incremental round lists only additions and removals.
 * Memberships of groups that no longer exist go with them.
 */
export async function applyStagedMemberships(
  tx: Queryable,
  connectorId: string,
  runId: number,
  groupsMode: StreamMode,
): Promise<{ upserted: number; removed: number }> {
  let removed = 0;
  if (groupsMode === 'bootstrap') {
    const gone = await tx.query(
      `delete from group_members m where m.connector_id = $1
          and not exists (select 1 from staged_memberships s
                           where s.run_id = $2 and s.group_id = m.group_id and s.member_id = m.member_id and not s.removed)`,
      [connectorId, runId],
    );
    removed += gone.rowCount ?? 0;
  } else {
    const gone = await tx.query(
      `delete from group_members m using staged_memberships s
        where m.connector_id = $1 and s.run_id = $2 and s.removed and s.group_id = m.group_id and s.member_id = m.member_id`,
      [connectorId, runId],
    );
    removed += gone.rowCount ?? 0;
  }
  const added = await tx.query(
    `insert into group_members (connector_id, group_id, member_id, member_type, first_seen_run_id)
     select $1, s.group_id, s.member_id, s.member_type, $2 from staged_memberships s where s.run_id = $2 and not s.removed
     on conflict (connector_id, group_id, member_id) do update set member_type = excluded.member_type
     where group_members.member_type is distinct from excluded.member_type`,
    [connectorId, runId],
  );
  const orphaned = await tx.query(
    `delete from group_members m using groups g
      where m.connector_id = $1 and g.connector_id = m.connector_id and g.id = m.group_id and g.deleted_at is not null`,
    [connectorId],
  );
  removed += orphaned.rowCount ?? 0;
  return { upserted: added.rowCount ?? 0, removed };
}
