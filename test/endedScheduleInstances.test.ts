import { describe, expect, it } from 'vitest';
import { ROLE_TEMPLATE_IDS } from '../simulator/model/directoryRoles';
import type { RunningSimulator } from '../simulator/server';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

// Issue 33: Graph may still list a PIM schedule instance after its endDateTime. One rule for
// directory roles and PIM for Groups (docs/inventory.md, "Ended schedule instances"): an instance
// ended by the run's start is never held, so it neither churns nor shows as access.

let sim: RunningSimulator;
let harness: SyncHarness;
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

useSyncFixture({ seed: 67, users: 40, pageSize: 50 }, (started) => ({ sim, harness } = started));

describe('ended PIM schedule instances that Graph still lists', () => {
  it('are held by no run: later runs report nothing for them, and history closes an ended eligibility once', async () => {
    const t = sim.tenant;
    t.endedInstancesListedForMs = 24 * HOUR;
    const group = t.createGroup({ displayName: 'Role - break glass', isAssignableToRole: true, securityEnabled: true, mailEnabled: false, groupTypes: [] });
    const [lapsedMember, member, lapsedReader, leaver] = t.activeUsers().filter((u) => u.userType === 'Member');
    const ended = t.addGroupPimSchedule({ kind: 'eligible', groupId: group.id, principalId: lapsedMember!.id, accessId: 'member', startDateTime: ago(2 * HOUR), endDateTime: ago(HOUR) });
    const current = t.addGroupPimSchedule({ kind: 'eligible', groupId: group.id, principalId: member!.id, accessId: 'member', endDateTime: new Date(Date.now() + 30 * 24 * HOUR).toISOString() });
    const endedRole = t.addRoleEligibility({ principalId: lapsedReader!.id, roleDefinitionId: ROLE_TEMPLATE_IDS.globalReader, startDateTime: ago(2 * HOUR), endDateTime: ago(HOUR) });
    // Held by the first run, then ended before the second (Graph shows the new end, and still lists it).
    const ending = { principalId: leaver!.id, roleDefinitionId: ROLE_TEMPLATE_IDS.globalReader, startDateTime: ago(2 * HOUR) };
    const endingRole = t.addRoleEligibility({ ...ending, endDateTime: new Date(Date.now() + 30 * 24 * HOUR).toISOString() });
    // What the runs will read: Graph lists both ended instances.
    expect(t.currentGroupPimSchedules().map((s) => s.id)).toContain(ended.id);
    expect(t.currentRoleEligibilities().map((e) => e.id)).toContain(endedRole.id);

    const first = await harness.sync();
    expect(first.summary.streams.directoryRoleEligibilities?.upserted).toBe(t.currentRoleEligibilities().length - 1);
    // The groups delta reports the group, so the second run reads its schedules again.
    t.updateObject('groups', group.id, { description: 'touched between the runs' });
    t.removeRoleEligibility(endingRole.id);
    t.addRoleEligibility({ ...ending, id: endingRole.id, endDateTime: ago(1000) });
    const second = await harness.sync();

    const [read] = await harness.query<{ run_id: string }>(`select run_id::text from group_pim_reads where connector_id = $1 and group_id = $2`, [harness.connectorId, group.id]);
    expect(read?.run_id).toBe(String(second.summary.syncRunId));
    expect(second.summary.streams.groupPimSchedules).toMatchObject({ upserted: 0, removed: 0 });
    // The eligibility that ended between the runs leaves once; nothing else changed.
    expect(second.summary.streams.directoryRoleEligibilities).toMatchObject({ upserted: 0, removed: 1 });

    const pim = await harness.query<{ id: string; first_seen_run_id: string }>(
      `select id, first_seen_run_id::text from group_pim_schedule_instances where connector_id = $1 and group_id = $2`,
      [harness.connectorId, group.id],
    );
    expect(pim).toEqual([{ id: current.id, first_seen_run_id: String(first.summary.syncRunId) }]);
    const roles = await harness.query(`select id from directory_role_schedule_instances where connector_id = $1 and id = $2`, [harness.connectorId, endedRole.id]);
    expect(roles).toEqual([]);
    const intervals = await harness.query(`select * from relationship_intervals where connector_id = $1 and holder_id = $2`, [harness.connectorId, lapsedReader!.id]);
    expect(intervals.filter((i) => i.kind === 'directory_role_eligible')).toEqual([]);

    // A third run: the ended eligibility does not come back to leave again, and its history is one
    // interval, closed by the second run.
    const third = await harness.sync();
    expect(third.summary.streams.directoryRoleEligibilities).toMatchObject({ upserted: 0, removed: 0 });
    expect(third.summary.streams.groupPimSchedules).toMatchObject({ upserted: 0, removed: 0 });
    const leaverHistory = await harness.query<{ opened: string; closed: string | null }>(
      `select opened_run_id::text as opened, closed_run_id::text as closed from relationship_intervals where connector_id = $1 and kind = 'directory_role_eligible' and holder_id = $2`,
      [harness.connectorId, leaver!.id],
    );
    expect(leaverHistory).toEqual([{ opened: String(first.summary.syncRunId), closed: String(second.summary.syncRunId) }]);
  });
});
