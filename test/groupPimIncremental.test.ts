import { describe, expect, it } from 'vitest';
import type { GroupPimSchedule } from '../simulator/model/groupPimSchedules';
import type { RunningSimulator } from '../simulator/server';
import type { TenantStore } from '../simulator/tenant/tenantStore';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

// PIM for Groups has no delta (docs/graph-behaviour.md, "PIM for Groups in the connector"): a run
// reads a role-assignable group's schedules when the groups delta reports the group, when it was
// never read, and for its periodic share. What the copy holds is checked against the simulator.

let sim: RunningSimulator;
let harness: SyncHarness;
const sorted = (items: string[]) => [...items].sort();

/** What Graph lists for the groups the connector asks about: PIM for Groups on role-assignable groups. */
function expectedSchedules(t: TenantStore): GroupPimSchedule[] {
  const roleAssignable = new Set(t.activeObjects('groups').filter((g) => g.isAssignableToRole).map((g) => g.id));
  return t.currentGroupPimSchedules().filter((s) => roleAssignable.has(s.groupId));
}
const scheduleKey = (s: { kind: string; id: string; groupId: string; principalId: string; accessId: string }) => [s.kind, s.id, s.groupId, s.principalId, s.accessId].join('|');

async function stored(): Promise<string[]> {
  const rows = await harness.query<{ kind: string; id: string; group_id: string; principal_id: string; access_id: string }>(
    'select kind, id, group_id, principal_id, access_id from group_pim_schedule_instances where connector_id = $1',
    [harness.connectorId],
  );
  return sorted(rows.map((r) => scheduleKey({ ...r, groupId: r.group_id, principalId: r.principal_id, accessId: r.access_id })));
}

/** The groups a committed run read, with the reason, as "group id:reason". */
async function readsOf(syncRunId: number): Promise<string[]> {
  const rows = await harness.query<{ r: string }>(`select group_id || ':' || reason as r from group_pim_reads where connector_id = $1 and run_id = $2`, [
    harness.connectorId,
    syncRunId,
  ]);
  return sorted(rows.map((r) => r.r));
}

async function subRequestsOf(syncRunId: number): Promise<number> {
  const [row] = await harness.query<{ n: number }>(`select sub_requests as n from sync_run_streams where run_id = $1 and stream = 'groupPimSchedules'`, [syncRunId]);
  return row!.n;
}

const roleAssignableIds = () =>
  sorted(
    sim.tenant
      .activeObjects('groups')
      .filter((g) => g.isAssignableToRole)
      .map((g) => g.id),
  );

useSyncFixture({ seed: 43, users: 300, pageSize: 50 }, (started) => ({ sim, harness } = started));

describe('PIM for Groups reads a group when its signal says so, and periodically', () => {
  let unsignalled: GroupPimSchedule;

  it('a bootstrap reads every role-assignable group', async () => {
    // The generated tenant of this size has two; a third lets one be changed, one stay quiet and one be read periodically.
    sim.tenant.createGroup({ displayName: 'Role - Tier 0 operators', isAssignableToRole: true, securityEnabled: true, mailEnabled: false, groupTypes: [] });
    const { summary } = await harness.sync();
    const groups = roleAssignableIds();
    expect(groups.length).toBeGreaterThanOrEqual(3);
    expect(await readsOf(summary.syncRunId)).toEqual(groups.map((g) => `${g}:bootstrap`));
    expect(await subRequestsOf(summary.syncRunId)).toBe(2 * groups.length);
    expect(await stored()).toEqual(sorted(expectedSchedules(sim.tenant).map(scheduleKey)));
  });

  it('an incremental run reads the groups the groups delta reported, and one periodic group', async () => {
    const t = sim.tenant;
    // Every read of the first run is equally old, so the periodic read goes by group id: the first one.
    const [first, changed, quiet] = roleAssignableIds();
    const candidates = t.activeUsers().filter((u) => u.userType === 'Member');
    const [joiner, eligibleOnChanged, eligibleOnQuiet] = candidates.filter((u) => !t.memberships.sortedMembersOf(changed!).includes(u.id));
    // A direct member joins one group (the groups delta reports it) and is made eligible there too;
    // another group only gains an eligibility, which nothing in the groups delta shows.
    t.addGroupMember(changed!, joiner!.id);
    const seen = t.addGroupPimSchedule({ kind: 'eligible', groupId: changed!, principalId: eligibleOnChanged!.id, accessId: 'member' });
    unsignalled = t.addGroupPimSchedule({ kind: 'eligible', groupId: quiet!, principalId: eligibleOnQuiet!.id, accessId: 'owner' });

    const { summary } = await harness.sync();

    expect(await readsOf(summary.syncRunId)).toEqual(sorted([`${changed}:changed`, `${first}:periodic`]));
    expect(await subRequestsOf(summary.syncRunId)).toBe(4);
    const copy = await stored();
    expect(copy).toContain(scheduleKey(seen));
    // The documented staleness: an eligibility on a group nothing reported waits for its periodic read.
    expect(copy).toEqual(sorted(expectedSchedules(t).filter((s) => s.id !== unsignalled.id).map(scheduleKey)));
  });

  it('the periodic read catches what no signal shows, oldest read first', async () => {
    // Two days later by the read clock (ENTRA_RECONCILE_FULL_EVERY is a day): every read is due,
    // and a due group is always read.
    await harness.query(`update group_pim_reads set read_at = read_at - interval '2 days' where connector_id = $1`, [harness.connectorId]);

    const { summary } = await harness.sync();

    const reads = await readsOf(summary.syncRunId);
    expect(reads).toEqual(roleAssignableIds().map((g) => `${g}:periodic`));
    expect(await stored()).toEqual(sorted(expectedSchedules(sim.tenant).map(scheduleKey)));
    expect(await stored()).toContain(scheduleKey(unsignalled));
  });

  it("an eligible principal deleted in the tenant loses its eligibility, though the groups delta does not report the group", async () => {
    const t = sim.tenant;
    // An eligible principal is not a member: deleting it changes nothing the groups delta shows.
    const group = roleAssignableIds().at(-1)!;
    const leaver = t.activeUsers().find((u) => u.userType === 'Member' && !t.memberships.sortedMembersOf(group).includes(u.id))!;
    const eligibility = t.addGroupPimSchedule({ kind: 'eligible', groupId: group, principalId: leaver.id, accessId: 'member' });
    // Due for its periodic read now, so the run after the deletion finds it the most recently read group.
    await harness.query(`update group_pim_reads set read_at = read_at - interval '2 days' where connector_id = $1 and group_id = $2`, [harness.connectorId, group]);
    await harness.sync();
    expect(await stored()).toContain(scheduleKey(eligibility));

    t.softDeleteUser(leaver.id);
    const { summary } = await harness.sync();

    expect((await readsOf(summary.syncRunId)).filter((r) => r.startsWith(group)), 'the group was not read again').toEqual([]);
    expect(await stored()).not.toContain(scheduleKey(eligibility));
    expect(await stored()).toEqual(sorted(expectedSchedules(t).map(scheduleKey)));
  });

  it('a lapsed licence shows in a run where nothing changed, and its return reads every group again', async () => {
    const t = sim.tenant;
    t.setPimLicensed(false);
    try {
      const { summary } = await harness.sync();
      expect(summary.streams.groupPimSchedules).toMatchObject({ coverage: 'unavailable' });
      expect(await stored()).toEqual([]);
      expect(await readsOf(summary.syncRunId)).toEqual([]);
    } finally {
      t.setPimLicensed(true);
    }
    const { summary } = await harness.sync();
    expect(await readsOf(summary.syncRunId)).toEqual(roleAssignableIds().map((g) => `${g}:unread`));
    expect(await stored()).toEqual(sorted(expectedSchedules(t).map(scheduleKey)));
  });
});
