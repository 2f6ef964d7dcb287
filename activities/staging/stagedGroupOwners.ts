import type { Queryable } from '../store/database';

/** One (group, owner) pair of a page's `owners@delta`, folded: the last word in the page wins. */
export type StagedGroupOwner = { groupId: string; ownerId: string; ownerType: string; removed: boolean };

/** Stages a page's group owners; replaying the page leaves staging as it was. */
export async function stageGroupOwners(db: Queryable, syncRunId: number, owners: readonly StagedGroupOwner[]): Promise<void> {
  if (owners.length === 0) return;
  await db.query(
    `insert into staged_group_owners (run_id, group_id, owner_id, owner_type, removed)
     select $1, o.g, o.o, o.t, o.r from unnest($2::text[], $3::text[], $4::text[], $5::boolean[]) as o(g, o, t, r)
     on conflict (run_id, group_id, owner_id) do update set owner_type = excluded.owner_type, removed = excluded.removed`,
    [syncRunId, owners.map((o) => o.groupId), owners.map((o) => o.ownerId), owners.map((o) => o.ownerType), owners.map((o) => o.removed)],
  );
}
