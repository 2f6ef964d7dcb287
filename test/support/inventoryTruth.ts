import { expect } from 'vitest';
import type { Queryable } from '../../activities/store/database';
import type { TenantStore } from '../../simulator/tenant/tenantStore';
import { inventoryDifferences } from './tenantTruth';

/**
 * Asserts the connector's live tables equal the simulator's ground truth, in full: objects with
 * every selected property both ways, direct memberships and credentials (tenantTruth.ts).
 */
export async function expectInventoryMatchesTruth(db: Queryable, connectorId: string, tenant: TenantStore): Promise<void> {
  expect(await inventoryDifferences(db, connectorId, tenant), 'differences from the tenant').toEqual([]);
}
