import type { Queryable } from '../activities/store/database';
import type { ChangeExpectation } from '../simulator/steadyChanges/tenantChange';

/**
 * What the database shows of the keys some expectations name: the live users (with their
 * jobTitle) and the presence keys (expectationKey) of every other kind found.
 */
export type VisibleRows = { liveUsers: Map<string, string | null>; present: Set<string>; groupDescriptions: Map<string, string | null> };

/** The key an expectation's row is found by, in VisibleRows.present (users: by id in liveUsers). */
export function expectationKey(e: ChangeExpectation): string {
  switch (e.what) {
    case 'user':
      return `user:${e.id}`;
    case 'membership':
      return `membership:${e.groupId}/${e.memberId}`;
    case 'group':
      return `group:${e.id}`;
    case 'owner':
      return `owner:${e.objectType}/${e.objectId}/${e.ownerId}`;
    case 'roleAssignment':
      return `roleAssignment:${e.id}`;
    case 'roleEligibility':
      return `roleEligibility:${e.id}`;
    case 'credential':
      return `credential:${e.ownerType}/${e.ownerId}/${e.keyId}`;
  }
}

/** Whether the database holds what the change made (a removal: the key is gone). */
export function isVisible(e: ChangeExpectation, rows: VisibleRows): boolean {
  if (e.what === 'user') {
    if (!e.live) return !rows.liveUsers.has(e.id);
    return rows.liveUsers.has(e.id) && (e.jobTitle === undefined || rows.liveUsers.get(e.id) === e.jobTitle);
  }
  if (e.what === 'group') return rows.groupDescriptions.get(e.id) === e.description;
  return rows.present.has(expectationKey(e)) === e.present;
}

type Of<W extends ChangeExpectation['what']> = Extract<ChangeExpectation, { what: W }>;
const only = <W extends ChangeExpectation['what']>(all: readonly ChangeExpectation[], what: W) => all.filter((e): e is Of<W> => e.what === what);

/** One round of queries (one per kind of key) reading the rows the expectations name. */
export async function readVisibleRows(db: Queryable, connectorId: string, expectations: readonly ChangeExpectation[]): Promise<VisibleRows> {
  const rows: VisibleRows = { liveUsers: new Map(), present: new Set(), groupDescriptions: new Map() };
  const keys = async (sql: string, params: unknown[]) => {
    for (const r of (await db.query<{ k: string }>(sql, [connectorId, ...params])).rows) rows.present.add(r.k);
  };
  const users = only(expectations, 'user').map((e) => e.id);
  if (users.length) {
    const found = await db.query<{ id: string; job_title: string | null }>(
      `select id, data ->> 'jobTitle' as job_title from users where connector_id = $1 and deleted_at is null and id = any($2)`,
      [connectorId, users],
    );
    for (const r of found.rows) rows.liveUsers.set(r.id, r.job_title);
  }
  const groups = only(expectations, 'group').map((e) => e.id);
  if (groups.length) {
    const found = await db.query<{ id: string; description: string | null }>(
      `select id, data ->> 'description' as description from groups where connector_id = $1 and deleted_at is null and id = any($2)`,
      [connectorId, groups],
    );
    for (const r of found.rows) rows.groupDescriptions.set(r.id, r.description);
  }
  const memberships = only(expectations, 'membership');
  if (memberships.length) {
    await keys(
      `select 'membership:' || m.group_id || '/' || m.member_id as k
         from group_members m join unnest($2::text[], $3::text[]) as w(g, id) on m.group_id = w.g and m.member_id = w.id
        where m.connector_id = $1`,
      [memberships.map((e) => e.groupId), memberships.map((e) => e.memberId)],
    );
  }
  const owners = only(expectations, 'owner');
  if (owners.length) {
    await keys(
      `select 'owner:' || o.object_type || '/' || o.object_id || '/' || o.owner_id as k
         from owners o join unnest($2::text[], $3::text[], $4::text[]) as w(t, obj, id) on o.object_type = w.t and o.object_id = w.obj and o.owner_id = w.id
        where o.connector_id = $1`,
      [owners.map((e) => e.objectType), owners.map((e) => e.objectId), owners.map((e) => e.ownerId)],
    );
  }
  const assignments = only(expectations, 'roleAssignment');
  if (assignments.length) {
    await keys(`select 'roleAssignment:' || id as k from directory_role_assignments where connector_id = $1 and id = any($2)`, [assignments.map((e) => e.id)]);
  }
  const eligibilities = only(expectations, 'roleEligibility');
  if (eligibilities.length) {
    await keys(
      `select 'roleEligibility:' || id as k from directory_role_schedule_instances where connector_id = $1 and kind = 'eligible' and id = any($2)`,
      [eligibilities.map((e) => e.id)],
    );
  }
  const credentials = only(expectations, 'credential');
  if (credentials.length) {
    await keys(
      `select 'credential:' || c.owner_type || '/' || c.owner_id || '/' || c.key_id as k
         from credentials c join unnest($2::text[], $3::text[], $4::text[]) as w(t, obj, id) on c.owner_type = w.t and c.owner_id = w.obj and c.key_id = w.id
        where c.connector_id = $1`,
      [credentials.map((e) => e.ownerType), credentials.map((e) => e.ownerId), credentials.map((e) => e.keyId)],
    );
  }
  return rows;
}
