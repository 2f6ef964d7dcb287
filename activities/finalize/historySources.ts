/**
 * What relationship history tracks: one entry per kind. `held` is a select over the live tables
 * of connector `$1` giving exactly what the connector holds now, one row per natural key, with
 * the columns `key text[]`, `holder_id`, `holder_type`, `target_id`, `target_type`, `detail jsonb`.
 * `detail` versions the interval: when it changes, the old interval closes and a new one opens.
 * `holder_id` and `target_id` must be the key's two ends: an incremental run diffs only the keys
 * with an end among the objects it touched (historyScope.ts). A kind whose table is replaced whole
 * every run says `diffedWhole`. Adding a table to history is adding an entry here (docs/history.md).
 */
export type HistorySource = {
  kind: string;
  held: string;
  diffedWhole?: true;
  /**
   * A group's links delivered pair by pair by the groups delta (key `[group id, holder id]`): the
   * staging table with `group_id` and the holder's column. A change of one member of a big group
   * then touches that pair, not the whole group's keys.
   */
  links?: { staged: 'staged_memberships' | 'staged_group_owners'; holder: 'member_id' | 'owner_id' };
};

const OBJECT_TABLES = ['users', 'groups', 'service_principals'] as const;

/** The object is not a tombstone in our copy (an id no inventory table knows counts as live). */
export const notTombstoned = (id: string): string =>
  OBJECT_TABLES.map((t) => `not exists (select 1 from ${t} dead where dead.connector_id = $1 and dead.id = ${id} and dead.deleted_at is not null)`).join(' and ');

/** The object is a live row of its table. */
const isLive = (table: string, id: string): string =>
  `exists (select 1 from ${table} live where live.connector_id = $1 and live.id = ${id} and live.deleted_at is null)`;

/** A timestamp as text that does not depend on the session's time zone, so detail compares equal across runs. */
const utc = (column: string): string => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export const HISTORY_SOURCES: readonly HistorySource[] = [
  {
    // A direct membership of a live group by a member that is not deleted.
    kind: 'group_member',
    links: { staged: 'staged_memberships', holder: 'member_id' },
    held: `select array[m.group_id, m.member_id] as key, m.member_id as holder_id, m.member_type as holder_type,
                  m.group_id as target_id, 'group' as target_type, '{}'::jsonb as detail
             from group_members m
            where m.connector_id = $1 and ${isLive('groups', 'm.group_id')} and ${notTombstoned('m.member_id')}`,
  },
  {
    // An owner of a live application or service principal.
    kind: 'app_owner',
    held: `select array[o.object_type, o.object_id, o.owner_id] as key, o.owner_id as holder_id, o.owner_type as holder_type,
                  o.object_id as target_id, o.object_type as target_type, '{}'::jsonb as detail
             from owners o
            where o.connector_id = $1
              and case o.object_type when 'application' then ${isLive('applications', 'o.object_id')} else ${isLive('service_principals', 'o.object_id')} end
              and ${notTombstoned('o.owner_id')}`,
  },
  {
    // Keyed by (principal, resource, app role), not the assignment id: the same grant made again is the same access.
    kind: 'app_role_assignment',
    held: `select distinct on (a.principal_id, a.resource_id, a.app_role_id)
                  array[a.principal_id, a.resource_id, a.app_role_id] as key, a.principal_id as holder_id, a.principal_type as holder_type,
                  a.resource_id as target_id, 'servicePrincipal' as target_type, jsonb_build_object('appRoleId', a.app_role_id) as detail
             from app_role_assignments a
            where a.connector_id = $1 and ${isLive('service_principals', 'a.resource_id')} and ${notTombstoned('a.principal_id')}
            order by a.principal_id, a.resource_id, a.app_role_id, a.id`,
  },
  {
    // An active directory-role assignment, keyed by (principal, role, directory scope, app scope).
    // Re-read whole every run, so every key is touched.
    kind: 'directory_role',
    diffedWhole: true,
    held: `select distinct on (r.principal_id, r.role_definition_id, coalesce(r.directory_scope_id, '/'), coalesce(r.app_scope_id, ''))
                  array[r.principal_id, r.role_definition_id, coalesce(r.directory_scope_id, '/'), coalesce(r.app_scope_id, '')] as key,
                  r.principal_id as holder_id, r.principal_type as holder_type, r.role_definition_id as target_id,
                  'roleDefinition' as target_type,
                  jsonb_build_object('directoryScopeId', r.directory_scope_id, 'appScopeId', r.app_scope_id) as detail
             from directory_role_assignments r
            where r.connector_id = $1 and r.principal_id is not null and r.role_definition_id is not null and ${notTombstoned('r.principal_id')}
            order by r.principal_id, r.role_definition_id, coalesce(r.directory_scope_id, '/'), coalesce(r.app_scope_id, ''), r.id`,
  },
  {
    // An eligible (PIM) directory-role assignment, keyed like active ones; a new window versions it.
    kind: 'directory_role_eligible',
    diffedWhole: true,
    held: `select distinct on (e.principal_id, e.role_definition_id, coalesce(e.directory_scope_id, '/'), coalesce(e.app_scope_id, ''))
                  array[e.principal_id, e.role_definition_id, coalesce(e.directory_scope_id, '/'), coalesce(e.app_scope_id, '')] as key,
                  e.principal_id as holder_id, e.principal_type as holder_type, e.role_definition_id as target_id,
                  'roleDefinition' as target_type,
                  jsonb_build_object('directoryScopeId', e.directory_scope_id, 'appScopeId', e.app_scope_id,
                                     'startDateTime', ${utc('e.start_at')}, 'endDateTime', ${utc('e.end_at')}) as detail
             from directory_role_schedule_instances e
            where e.connector_id = $1 and e.kind = 'eligible' and e.principal_id is not null and e.role_definition_id is not null
              and ${notTombstoned('e.principal_id')}
            order by e.principal_id, e.role_definition_id, coalesce(e.directory_scope_id, '/'), coalesce(e.app_scope_id, ''), e.start_at nulls first, e.id`,
  },
  {
    // An owner of a live group (from owners@delta in the groups stream).
    kind: 'group_owner',
    links: { staged: 'staged_group_owners', holder: 'owner_id' },
    held: `select array[o.group_id, o.owner_id] as key, o.owner_id as holder_id, o.owner_type as holder_type,
                  o.group_id as target_id, 'group' as target_type, '{}'::jsonb as detail
             from group_owners o
            where o.connector_id = $1 and ${isLive('groups', 'o.group_id')} and ${notTombstoned('o.owner_id')}`,
  },
  {
    // A secret or certificate, identified by its key id; new dates version it.
    kind: 'credential',
    held: `select array[c.owner_type, c.owner_id, c.key_id] as key, c.owner_id as holder_id, c.owner_type as holder_type,
                  c.key_id as target_id, c.kind as target_type,
                  jsonb_build_object('displayName', c.display_name, 'startDateTime', ${utc('c.starts_at')}, 'endDateTime', ${utc('c.ends_at')}) as detail
             from credentials c
            where c.connector_id = $1
              and case c.owner_type when 'application' then ${isLive('applications', 'c.owner_id')} else ${isLive('service_principals', 'c.owner_id')} end`,
  },
];
