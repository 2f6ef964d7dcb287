import type { StreamMode } from '../../shared/streams';
import type { Queryable } from '../store/database';

/** A group's links delivered by the groups delta (members@delta, owners@delta): where they are staged and kept. */
type GroupLinks = {
  live: 'group_members' | 'group_owners';
  staged: 'staged_memberships' | 'staged_group_owners';
  /** The linked object's id and type columns, alike in both tables. */
  id: 'member_id' | 'owner_id';
  type: 'member_type' | 'owner_type';
  /** The type to store, as SQL over staged row `s`. */
  typeFrom: string;
};

const MEMBERS: GroupLinks = { live: 'group_members', staged: 'staged_memberships', id: 'member_id', type: 'member_type', typeFrom: 's.member_type' };

/** Graph documents only the id of an owner: one sent without `@odata.type` takes its type from the inventory. */
const OWNERS: GroupLinks = {
  live: 'group_owners',
  staged: 'staged_group_owners',
  id: 'owner_id',
  type: 'owner_type',
  typeFrom: `case when s.owner_type <> 'unknown' then s.owner_type
                  when exists (select 1 from users u where u.connector_id = $1 and u.id = s.owner_id) then 'user'
                  when exists (select 1 from service_principals p where p.connector_id = $1 and p.id = s.owner_id) then 'servicePrincipal'
                  else 'unknown' end`,
};

export const applyStagedMemberships = (tx: Queryable, connectorId: string, syncRunId: number, groupsMode: StreamMode) =>
  applyGroupLinks(tx, connectorId, syncRunId, groupsMode, MEMBERS);

export const applyStagedGroupOwners = (tx: Queryable, connectorId: string, syncRunId: number, groupsMode: StreamMode) =>
  applyGroupLinks(tx, connectorId, syncRunId, groupsMode, OWNERS);

/**
 * Applies a group's staged links onto their live table. A bootstrap round lists every link, so
 * pairs it did not list are gone; an incremental round lists only additions and removals. Links
 * of groups that no longer exist go with them.
 */
async function applyGroupLinks(
  tx: Queryable,
  connectorId: string,
  syncRunId: number,
  groupsMode: StreamMode,
  { live, staged, id, type, typeFrom }: GroupLinks,
): Promise<{ upserted: number; removed: number }> {
  let removed = 0;
  if (groupsMode === 'bootstrap') {
    const gone = await tx.query(
      `delete from ${live} m where m.connector_id = $1
          and not exists (select 1 from ${staged} s
                           where s.run_id = $2 and s.group_id = m.group_id and s.${id} = m.${id} and not s.removed)`,
      [connectorId, syncRunId],
    );
    removed += gone.rowCount ?? 0;
  } else {
    const gone = await tx.query(
      `delete from ${live} m using ${staged} s
        where m.connector_id = $1 and s.run_id = $2 and s.removed and s.group_id = m.group_id and s.${id} = m.${id}`,
      [connectorId, syncRunId],
    );
    removed += gone.rowCount ?? 0;
  }
  // In primary-key order, so a bootstrap's inserts fill index pages one after another (recordHistory.ts).
  const added = await tx.query(
    `insert into ${live} (connector_id, group_id, ${id}, ${type}, first_seen_run_id)
     select $1, s.group_id, s.${id}, ${typeFrom}, $2 from ${staged} s where s.run_id = $2 and not s.removed
      order by s.group_id, s.${id}
     on conflict (connector_id, group_id, ${id}) do update set ${type} = excluded.${type}
     where ${live}.${type} is distinct from excluded.${type}`,
    [connectorId, syncRunId],
  );
  removed += await removeLinksOfDeletedGroups(tx, connectorId, live);
  return { upserted: added.rowCount ?? 0, removed };
}

async function removeLinksOfDeletedGroups(tx: Queryable, connectorId: string, live: GroupLinks['live']): Promise<number> {
  const orphaned = await tx.query(
    `delete from ${live} m using groups g
      where m.connector_id = $1 and g.connector_id = m.connector_id and g.id = m.group_id and g.deleted_at is not null`,
    [connectorId],
  );
  return orphaned.rowCount ?? 0;
}

/**
 * The memberships of a first bootstrap whose next table was swapped in (swapNextTables.ts): the
 * pages wrote every pair staging holds; what is left is what the merge does last, dropping the
 * links of groups the round removed.
 */
export async function swappedMembershipCounts(tx: Queryable, connectorId: string, syncRunId: number): Promise<{ upserted: number; removed: number }> {
  const { rows } = await tx.query<{ n: number }>('select count(*)::int as n from staged_memberships where run_id = $1 and not removed', [syncRunId]);
  return { upserted: rows[0]!.n, removed: await removeLinksOfDeletedGroups(tx, connectorId, MEMBERS.live) };
}
