import { describe, expect, it } from 'vitest';
import { DEFAULT_GRANTED_PERMISSIONS } from '../simulator/identity/clientApplication';
import type { RunningSimulator } from '../simulator/server';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

let sim: RunningSimulator;
let harness: SyncHarness;
const MISSING = 'PrivilegedAssignmentSchedule.Read.AzureADGroup';

// An app consented before PIM for Groups was read: it holds the eligibility permission only.
useSyncFixture({ seed: 41, users: 200, grantedPermissions: DEFAULT_GRANTED_PERMISSIONS.filter((p) => p !== MISSING) }, (started) => ({ sim, harness } = started));

describe('PIM for Groups without its permissions', () => {
  it('records the stream unavailable naming both permissions, keeps nothing half-read, and the run commits everything else', async () => {
    const t = sim.tenant;
    // Every role-assignable group has an eligibility, so the first batch answers some before the refusal.
    const taken = new Set(t.currentGroupPimSchedules().map((s) => s.principalId));
    const free = t.activeUsers().filter((u) => !taken.has(u.id));
    t.activeObjects('groups')
      .filter((g) => g.isAssignableToRole)
      .forEach((group, n) => t.addGroupPimSchedule({ kind: 'eligible', groupId: group.id, principalId: free[n]!.id, accessId: 'member' }));
    const run = await harness.sync();
    expect(run.summary.streams.groupPimSchedules).toMatchObject({ coverage: 'unavailable', coverageReason: expect.stringContaining(MISSING) });
    expect(run.summary.streams.groupPimSchedules!.coverageReason).toContain('PrivilegedEligibilitySchedule.Read.AzureADGroup');
    const [row] = await harness.query(`select status from sync_runs where workflow_id = $1 and workflow_run_id = $2`, [run.workflowId, run.workflowRunId]);
    expect(row).toEqual({ status: 'succeeded' });
    // The eligibilities it could read are not kept: the copy never holds half of a stream.
    const [left] = await harness.query<{ n: number }>(`select count(*)::int as n from group_pim_schedule_instances where connector_id = $1`, [harness.connectorId]);
    expect(left!.n).toBe(0);
    // Role holders through plain group membership are still there.
    const viaGroups = await harness.query<{ n: number }>(`select count(*)::int as n from directory_role_access_members where connector_id = $1 and granted_via = 'group'`, [
      harness.connectorId,
    ]);
    expect(viaGroups[0]!.n).toBeGreaterThan(0);
  });
});
