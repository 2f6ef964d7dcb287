import { expect } from 'vitest';
import type { Queryable } from '../../activities/store/database';
import { credentials, directMemberships } from '../../simulator/tenant/groundTruth';
import type { TenantStore } from '../../simulator/tenant/tenantStore';

const TABLES = { users: 'users', groups: 'groups', applications: 'applications', servicePrincipals: 'service_principals' } as const;
const sorted = (items: string[]) => [...items].sort();

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

/** Asserts the connector's live tables equal the simulator's ground truth, in full. */
export async function expectInventoryMatchesTruth(db: Queryable, connectorId: string, tenant: TenantStore): Promise<void> {
  for (const [stream, table] of Object.entries(TABLES) as [keyof typeof TABLES, string][]) {
    const { rows } = await db.query(`select id, data from ${table} where connector_id = $1 and deleted_at is null`, [connectorId]);
    const truth = tenant.activeObjects(stream) as unknown as Array<Record<string, unknown> & { id: string }>;
    expect(sorted(rows.map((r) => r.id)), `${stream} ids`).toEqual(sorted(truth.map((o) => o.id)));
    // Both ways: every selected property is stored with the value Graph holds now (a property
    // dropped from $select, or an update that replaced instead of merging, is missing), and
    // nothing but the selected properties is stored.
    const stored = new Map(rows.map((r) => [r.id as string, r.data as Record<string, unknown>]));
    for (const object of truth) {
      const data = stored.get(object.id)!;
      for (const key of SELECTED[stream]) {
        expect(key in data ? data[key] : 'missing', `${stream} ${object.id}.${key}`).toEqual(object[key] ?? null);
      }
      const unselected = Object.keys(data).filter((key) => key !== 'id' && !key.startsWith('@') && !SELECTED[stream].includes(key));
      expect(unselected, `${stream} ${object.id}: stored properties nobody selected`).toEqual([]);
    }
  }

  const memberships = await db.query(`select group_id, member_id, member_type from group_members where connector_id = $1`, [connectorId]);
  expect(sorted(memberships.rows.map((m) => `${m.group_id}/${m.member_id}/${m.member_type}`)), 'direct memberships').toEqual(
    sorted(directMemberships(tenant).map((m) => `${m.groupId}/${m.memberId}/${m.memberType}`)),
  );

  const stored = await db.query(
    `select owner_type, owner_id, key_id, kind, status from credentials_with_status where connector_id = $1`,
    [connectorId],
  );
  const statusName = { expired: 'expired', expiringSoon: 'expiring', valid: 'active' } as const;
  expect(sorted(stored.rows.map((c) => `${c.owner_type}/${c.owner_id}/${c.key_id}/${c.kind}/${c.status}`)), 'credentials').toEqual(
    sorted(
      credentials(tenant, new Date()).map(
        (c) => `${c.ownerType}/${c.ownerId}/${c.keyId}/${c.kind === 'key' ? 'certificate' : 'password'}/${statusName[c.status]}`,
      ),
    ),
  );
}
