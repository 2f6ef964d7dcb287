import { expect } from 'vitest';
import type { Queryable } from '../../activities/store/database';
import { credentials, directMemberships } from '../../simulator/tenant/groundTruth';
import type { TenantStore } from '../../simulator/tenant/tenantStore';

const TABLES = { users: 'users', groups: 'groups', applications: 'applications', servicePrincipals: 'service_principals' } as const;
const sorted = (items: string[]) => [...items].sort();

/** Asserts the connector's live tables equal the simulator's ground truth, in full. */
export async function expectInventoryMatchesTruth(db: Queryable, connectorId: string, tenant: TenantStore): Promise<void> {
  for (const [stream, table] of Object.entries(TABLES) as [keyof typeof TABLES, string][]) {
    const { rows } = await db.query(`select id, data from ${table} where connector_id = $1 and deleted_at is null`, [connectorId]);
    const truth = tenant.activeObjects(stream) as unknown as Array<Record<string, unknown> & { id: string }>;
    expect(sorted(rows.map((r) => r.id)), `${stream} ids`).toEqual(sorted(truth.map((o) => o.id)));
    // Every property we selected holds the value Graph holds now.
    const stored = new Map(rows.map((r) => [r.id as string, r.data as Record<string, unknown>]));
    for (const object of truth) {
      const data = stored.get(object.id)!;
      for (const [key, value] of Object.entries(data)) {
        if (key === 'id' || key.startsWith('@')) continue;
        expect(value, `${stream} ${object.id}.${key}`).toEqual(object[key] ?? null);
      }
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
