import { describe, expect, it } from 'vitest';
import { DEFAULT_GRANTED_PERMISSIONS } from '../simulator/identity/clientApplication';
import { roleAssignments } from '../simulator/tenant/groundTruth';
import type { RunningSimulator } from '../simulator/server';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

let sim: RunningSimulator;
let harness: SyncHarness;

// An app consented before administrative units were read: it lacks AdministrativeUnit.Read.All.
useSyncFixture(
  { seed: 29, users: 200, grantedPermissions: DEFAULT_GRANTED_PERMISSIONS.filter((p) => p !== 'AdministrativeUnit.Read.All') },
  (started) => ({ sim, harness } = started),
);

describe('administrative units without their permission', () => {
  it('leave unit scopes unnamed, say why in the run record, and the run commits everything else', async () => {
    const run = await harness.sync();
    expect(run.summary.streams.administrativeUnits).toMatchObject({ coverage: 'unavailable', coverageReason: expect.stringContaining('AdministrativeUnit.Read.All') });
    expect(run.summary.streams.directoryRoleEligibilities).toMatchObject({ coverage: 'complete' });
    const assignments = await harness.query<{ id: string }>(`select id from directory_role_assignments where connector_id = $1`, [harness.connectorId]);
    expect(assignments.map((a) => a.id).sort()).toEqual(roleAssignments(sim.tenant).map((a) => a.id).sort());
    const unitRows = await harness.query<{ scope_id: string; scope_name: string | null }>(
      `select scope_id, scope_name from privileged_role_members where connector_id = $1 and scope_type = 'administrativeUnit'`,
      [harness.connectorId],
    );
    expect(unitRows.length).toBeGreaterThan(0);
    expect(unitRows.every((r) => r.scope_name === null && sim.tenant.administrativeUnits.get(r.scope_id) !== undefined)).toBe(true);
  });
});
