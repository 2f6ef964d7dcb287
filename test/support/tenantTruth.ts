import type { Queryable } from '../../activities/store/database';
import { appRoleAssignments, credentials, directMemberships, groupOwnerships, ownerships, roleAssignments } from '../../simulator/tenant/groundTruth';
import { privilegedAccess } from '../../simulator/tenant/privilegedAccessTruth';
import type { TenantStore } from '../../simulator/tenant/tenantStore';

/**
 * How a connector's committed tables differ from the simulator's ground truth, as lines ("users
 * ids: missing …"); none when they equal it. Plain data, no test framework, so the reliability
 * matrix (reliability/runner.ts) and the test suite (inventoryTruth.ts) share one comparison.
 */

const TABLES = { users: 'users', groups: 'groups', applications: 'applications', servicePrincipals: 'service_principals' } as const;

/**
 * The properties each stream selects, written out by hand from docs/inventory.md (not read from
 * activities/graph/deltaQueries.ts): every stored object must hold each of them, with Graph's
 * value, and nothing else. Groups' `members` and `owners` arrive as `members@delta` and
 * `owners@delta` and are kept in group_members and group_owners, not in `data`.
 */
const SELECTED: Record<keyof typeof TABLES, readonly string[]> = {
  users: [
    'displayName', 'givenName', 'surname', 'userPrincipalName', 'mail', 'employeeId', 'userType', 'accountEnabled',
    'createdDateTime', 'jobTitle', 'department', 'companyName', 'lastPasswordChangeDateTime', 'onPremisesSyncEnabled',
    'onPremisesImmutableId', 'onPremisesLastSyncDateTime', 'externalUserState', 'creationType',
  ],
  groups: [
    'displayName', 'description', 'mail', 'mailEnabled', 'mailNickname', 'securityEnabled', 'groupTypes', 'isAssignableToRole',
    'membershipRule', 'membershipRuleProcessingState', 'visibility', 'createdDateTime', 'onPremisesSyncEnabled',
  ],
  applications: [
    'appId', 'displayName', 'createdDateTime', 'signInAudience', 'publisherDomain', 'verifiedPublisher', 'passwordCredentials',
    'keyCredentials', 'appRoles', 'requiredResourceAccess', 'tags',
  ],
  servicePrincipals: [
    'appId', 'displayName', 'servicePrincipalType', 'appOwnerOrganizationId', 'accountEnabled', 'appRoleAssignmentRequired',
    'appRoles', 'passwordCredentials', 'keyCredentials', 'publisherName', 'verifiedPublisher', 'tags', 'homepage',
  ],
};

const SHOWN = 3;
const lowerFirst = (type: string) => type.charAt(0).toLowerCase() + type.slice(1);
const iso = (value: Date | string | null) => (value === null ? 'none' : new Date(value).toISOString());
/** JSON with object keys sorted: jsonb keeps its own key order, so equal values must print alike. */
const json = (value: unknown): string => JSON.stringify(sortKeys(value ?? null));
const sortKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(sortKeys)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, sortKeys(v)]))
      : value;

/** Both ways: what the truth has that the rows lack, and what the rows have that the truth lacks. */
function setDifference(what: string, stored: string[], truth: string[]): string[] {
  const have = new Set(stored);
  const want = new Set(truth);
  const missing = [...want].filter((k) => !have.has(k)).sort();
  const extra = [...have].filter((k) => !want.has(k)).sort();
  const duplicated = stored.length - have.size;
  const lines: string[] = [];
  if (missing.length) lines.push(`${what}: ${missing.length} missing (${missing.slice(0, SHOWN).join(', ')})`);
  if (extra.length) lines.push(`${what}: ${extra.length} not in the tenant (${extra.slice(0, SHOWN).join(', ')})`);
  if (duplicated) lines.push(`${what}: ${duplicated} stored twice`);
  return lines;
}

/** Users, groups, applications and service principals, every selected property both ways; memberships; credentials. */
export async function inventoryDifferences(db: Queryable, connectorId: string, tenant: TenantStore): Promise<string[]> {
  const lines: string[] = [];
  for (const [stream, table] of Object.entries(TABLES) as [keyof typeof TABLES, string][]) {
    const { rows } = await db.query<{ id: string; data: Record<string, unknown> }>(`select id, data from ${table} where connector_id = $1 and deleted_at is null`, [connectorId]);
    const truth = tenant.activeObjects(stream) as unknown as Array<Record<string, unknown> & { id: string }>;
    lines.push(...setDifference(`${stream} ids`, rows.map((r) => r.id), truth.map((o) => o.id)));
    // Both ways: every selected property is stored with the value Graph holds now (a property
    // dropped from $select, or an update that replaced instead of merging, is missing), and
    // nothing but the selected properties is stored.
    const stored = new Map(rows.map((r) => [r.id, r.data]));
    const wrong: string[] = [];
    for (const object of truth) {
      const data = stored.get(object.id);
      if (!data) continue;
      for (const key of SELECTED[stream]) {
        const value = key in data ? json(data[key]) : 'missing';
        if (value !== json(object[key])) wrong.push(`${object.id}.${key} is ${value.slice(0, 60)}, Graph ${json(object[key]).slice(0, 60)}`);
      }
      for (const key of Object.keys(data)) {
        if (key !== 'id' && !key.startsWith('@') && !SELECTED[stream].includes(key)) wrong.push(`${object.id}.${key} stored, nobody selected it`);
      }
    }
    if (wrong.length) lines.push(`${stream}: ${wrong.length} properties differ (${wrong.slice(0, SHOWN).join('; ')})`);
  }

  const memberships = await db.query<{ k: string }>(`select group_id || '/' || member_id || '/' || member_type as k from group_members where connector_id = $1`, [connectorId]);
  lines.push(...setDifference('direct memberships', memberships.rows.map((r) => r.k), directMemberships(tenant).map((m) => `${m.groupId}/${m.memberId}/${m.memberType}`)));

  const stored = await db.query<{ k: string }>(
    `select owner_type || '/' || owner_id || '/' || key_id || '/' || kind || '/' || status as k from credentials_with_status where connector_id = $1`,
    [connectorId],
  );
  const statusName = { expired: 'expired', expiringSoon: 'expiring', valid: 'active' } as const;
  lines.push(
    ...setDifference(
      'credentials',
      stored.rows.map((r) => r.k),
      credentials(tenant, new Date()).map((c) => `${c.ownerType}/${c.ownerId}/${c.keyId}/${c.kind === 'key' ? 'certificate' : 'password'}/${statusName[c.status]}`),
    ),
  );
  return lines;
}

/**
 * Everything inventoryDifferences compares, and the relationships and privileged access a sync
 * commits: group owners, app and service principal owners, app role assignments, directory role
 * assignments, every path to a directory role (PIM eligibilities, time-bound and group paths
 * included) and the PIM for Groups schedule instances of role-assignable groups.
 */
export async function tenantDifferences(db: Queryable, connectorId: string, tenant: TenantStore): Promise<string[]> {
  const keys = async (sql: string) => (await db.query<{ k: string }>(sql, [connectorId])).rows.map((r) => r.k);
  const lines = await inventoryDifferences(db, connectorId, tenant);
  lines.push(
    ...setDifference('group owners', await keys(`select group_id || '/' || owner_id || '/' || owner_type as k from group_owners where connector_id = $1`), groupOwnerships(tenant).map((o) => `${o.groupId}/${o.ownerId}/${o.ownerType}`)),
    ...setDifference(
      'owners',
      await keys(`select object_type || '/' || object_id || '/' || owner_id || '/' || owner_type as k from owners where connector_id = $1`),
      ownerships(tenant).map((o) => `${o.objectType}/${o.objectId}/${o.ownerId}/${o.ownerType}`),
    ),
    ...setDifference(
      'app role assignments',
      await keys(`select id || '/' || principal_id || '/' || principal_type || '/' || resource_id || '/' || app_role_id as k from app_role_assignments where connector_id = $1`),
      appRoleAssignments(tenant).map((a) => `${a.id}/${a.principalId}/${a.principalType}/${a.resourceId}/${a.appRoleId}`),
    ),
    ...setDifference(
      'directory role assignments',
      await keys(`select id || '/' || principal_id || '/' || role_definition_id || '/' || directory_scope_id as k from directory_role_assignments where connector_id = $1`),
      roleAssignments(tenant).map((a) => `${a.id}/${a.principalId}/${a.roleDefinitionId}/${a.directoryScopeId}`),
    ),
  );

  const access = await db.query<Record<string, string | Date | null>>(
    `select principal_id, principal_type, role_definition_id, directory_scope_id, assignment_state, assignment_type, end_at, assignment_id, granted_via,
            via_group_id, via_group_schedule_instance_id
       from directory_role_access_members where connector_id = $1`,
    [connectorId],
  );
  const accessKey = (parts: Array<string | null>, end: Date | string | null) => [...parts.slice(0, 6).map((p) => p ?? ''), iso(end), ...parts.slice(6).map((p) => p ?? '')].join('|');
  lines.push(
    ...setDifference(
      'directory role holders (active and eligible, every path)',
      access.rows.map((r) =>
        accessKey(
          [r.principal_id, r.principal_type, r.role_definition_id, r.directory_scope_id, r.assignment_state, r.assignment_type, r.assignment_id, r.granted_via, r.via_group_id, r.via_group_schedule_instance_id] as Array<string | null>,
          r.end_at as Date | null,
        ),
      ),
      privilegedAccess(tenant).map((t) =>
        accessKey([t.principalId, lowerFirst(t.principalType), t.roleDefinitionId, t.directoryScopeId, t.state, t.assignmentType, t.sourceId, t.grantedVia, t.viaGroupId, t.viaGroupScheduleInstanceId], t.endDateTime),
      ),
    ),
  );

  // What Graph lists for the groups the connector asks about: PIM for Groups on role-assignable groups.
  const roleAssignable = new Set(tenant.activeObjects('groups').filter((g) => g.isAssignableToRole).map((g) => g.id));
  lines.push(
    ...setDifference(
      'PIM for Groups schedule instances',
      (await db.query<{ kind: string; id: string; group_id: string; principal_id: string; access_id: string; end_at: Date | null }>(
        `select kind, id, group_id, principal_id, access_id, end_at from group_pim_schedule_instances where connector_id = $1`,
        [connectorId],
      )).rows.map((s) => [s.kind, s.id, s.group_id, s.principal_id, s.access_id, iso(s.end_at)].join('|')),
      tenant
        .currentGroupPimSchedules()
        .filter((s) => roleAssignable.has(s.groupId))
        .map((s) => [s.kind, s.id, s.groupId, s.principalId, s.accessId, iso(s.endDateTime)].join('|')),
    ),
  );
  return lines;
}
