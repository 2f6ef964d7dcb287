import type { DeltaStream } from '../../shared/streams';
import { removedReason, type GraphObject } from '../graph/deltaPages';
import { MEMBERS_DELTA, membersDelta, OWNERS_DELTA, ownersDelta } from '../graph/membersDelta';
import { memberType } from '../graph/odataType';
import type { Queryable } from '../store/database';
import { stageGroupOwners, type StagedGroupOwner } from './stagedGroupOwners';
import { dropNextTables, writeNextPage } from './nextTables';

type StagedRow = { id: string; data: GraphObject | null; removedReason: string | null };
type StagedMembership = { groupId: string; memberId: string; memberType: string; removed: boolean };

/**
 * Folds repeated occurrences of an object into one, in page order: a removal wins outright;
 * a later partial object is laid over an earlier one, as Graph sends only changed properties.
 */
export function foldOccurrences(objects: GraphObject[]): StagedRow[] {
  const rows = new Map<string, StagedRow>();
  for (const object of objects) {
    const reason = removedReason(object);
    const previous = rows.get(object.id);
    if (reason) rows.set(object.id, { id: object.id, data: null, removedReason: reason });
    else rows.set(object.id, { id: object.id, data: previous?.data ? { ...previous.data, ...object } : object, removedReason: null });
  }
  return [...rows.values()];
}

/**
 * Takes `members@delta` and `owners@delta` off group objects (memberships and group owners are
 * rows of their own) and folds each: the last word on a (group, member) or (group, owner) pair in
 * the page wins. A malformed list throws (MalformedMembersDelta) before anything of the page is staged.
 */
function extractMemberships(objects: GraphObject[]): { objects: GraphObject[]; memberships: StagedMembership[]; owners: StagedGroupOwner[] } {
  const memberships = new Map<string, StagedMembership>();
  const owners = new Map<string, StagedMembership>();
  const fold = (into: Map<string, StagedMembership>, groupId: string, items: GraphObject[]) => {
    for (const item of items) {
      into.set(`${groupId}/${item.id}`, {
        groupId,
        memberId: item.id,
        memberType: memberType(item['@odata.type']),
        removed: removedReason(item) !== undefined,
      });
    }
  };
  const stripped = objects.map((object) => {
    if (object[MEMBERS_DELTA] === undefined && object[OWNERS_DELTA] === undefined) return object;
    const members = membersDelta(object);
    const groupOwners = ownersDelta(object);
    const { [MEMBERS_DELTA]: _members, [OWNERS_DELTA]: _owners, ...rest } = object;
    fold(memberships, object.id, members);
    fold(owners, object.id, groupOwners);
    return rest as GraphObject;
  });
  const groupOwners = [...owners.values()].map((o) => ({ groupId: o.groupId, ownerId: o.memberId, ownerType: o.memberType, removed: o.removed }));
  return { objects: stripped, memberships: [...memberships.values()], owners: groupOwners };
}

/** Stages one page. Replaying a page (a resumed attempt) leaves the staging as it was. */
export async function stagePage(db: Queryable, syncRunId: number, stream: DeltaStream, page: GraphObject[]): Promise<number> {
  const { objects, memberships, owners } = stream === 'groups' ? extractMemberships(page) : { objects: page, memberships: [], owners: [] };
  const rows = foldOccurrences(objects);
  if (rows.length > 0) {
    await db.query(
      `insert into staged_objects (run_id, stream, object_id, data, removed_reason)
       select $1, $2, s.id, s.data, s.reason
         from unnest($3::text[], $4::jsonb[], $5::text[]) as s(id, data, reason)
       on conflict (run_id, stream, object_id) do update set
         data = case when excluded.data is null or staged_objects.data is null then excluded.data
                     else staged_objects.data || excluded.data end,
         removed_reason = excluded.removed_reason`,
      [syncRunId, stream, rows.map((r) => r.id), rows.map((r) => (r.data ? JSON.stringify(r.data) : null)), rows.map((r) => r.removedReason)],
    );
  }
  if (memberships.length > 0) {
    await db.query(
      `insert into staged_memberships (run_id, group_id, member_id, member_type, removed)
       select $1, m.g, m.m, m.t, m.r from unnest($2::text[], $3::text[], $4::text[], $5::boolean[]) as m(g, m, t, r)
       on conflict (run_id, group_id, member_id) do update set member_type = excluded.member_type, removed = excluded.removed`,
      [syncRunId, memberships.map((m) => m.groupId), memberships.map((m) => m.memberId), memberships.map((m) => m.memberType), memberships.map((m) => m.removed)],
    );
  }
  await stageGroupOwners(db, syncRunId, owners);
  await writeNextPage(db, syncRunId, stream, rows.map((r) => r.id), memberships);
  return rows.length;
}

export async function clearStagedStream(db: Queryable, syncRunId: number, stream: DeltaStream): Promise<void> {
  await db.query('delete from staged_objects where run_id = $1 and stream = $2', [syncRunId, stream]);
  if (stream === 'groups') {
    await db.query('delete from staged_memberships where run_id = $1', [syncRunId]);
    await db.query('delete from staged_group_owners where run_id = $1', [syncRunId]);
  }
  await dropNextTables(db, syncRunId, stream);
}

const RUN_STAGING = [
  'staged_objects',
  'staged_memberships',
  'staged_group_owners',
  'staged_owners',
  'staged_app_role_assignments',
  'staged_directory_roles',
  'staged_role_schedules',
  'staged_administrative_units',
  'staged_group_pim_schedules',
  'staged_group_pim_groups',
  'staged_audit_events',
  'staged_discovery',
  'reconcile_targets',
  'reconcile_shard_leases',
];

/** Drops everything a run staged: after it committed, or when it failed. */
export async function deleteStaging(db: Queryable, syncRunId: number): Promise<void> {
  for (const table of RUN_STAGING) await db.query(`delete from ${table} where run_id = $1`, [syncRunId]);
  await dropNextTables(db, syncRunId);
}
