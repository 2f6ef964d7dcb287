import { describe, expect, it } from 'vitest';
import { groupOwnerships, roleAssignments } from '../simulator/tenant/groundTruth';
import type { RunningSimulator } from '../simulator/server';
import { DELTA_QUERIES } from '../activities/graph/deltaQueries';
import { expectInventoryMatchesTruth } from './support/inventoryTruth';
import { deltaRound, graphClientFor } from './simulatorHelpers';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

// Group owners from the groups delta (owners@delta), against the simulator's ground truth.

let sim: RunningSimulator;
let harness: SyncHarness;
const sorted = (items: string[]) => [...items].sort();

async function storedGroupOwners(): Promise<string[]> {
  const rows = await harness.query<{ k: string }>(`select group_id || '/' || owner_id || '/' || owner_type as k from group_owners where connector_id = $1`, [
    harness.connectorId,
  ]);
  return sorted(rows.map((r) => r.k));
}
const truthGroupOwners = () => sorted(groupOwnerships(sim.tenant).map((o) => `${o.groupId}/${o.ownerId}/${o.ownerType}`));
async function expectGroupOwnersMatchTruth(): Promise<void> {
  expect(await storedGroupOwners(), 'group owners').toEqual(truthGroupOwners());
}
/** Every byte of the groups, memberships, group owners and cursors, to prove a failed run changed nothing. */
const digest = async () =>
  (
    await harness.query(
      `select (select md5(coalesce(string_agg(g::text, '|' order by g.id), '')) from groups g where connector_id = $1) as groups,
              (select md5(coalesce(string_agg(m::text, '|' order by m.group_id, m.member_id), '')) from group_members m where connector_id = $1) as members,
              (select md5(coalesce(string_agg(o::text, '|' order by o.group_id, o.owner_id), '')) from group_owners o where connector_id = $1) as owners,
              (select md5(coalesce(string_agg(c::text, '|' order by c.stream), '')) from delta_cursors c where connector_id = $1) as cursors`,
      [harness.connectorId],
    )
  )[0]!;

// Four links per entry and 20 entries per page: groups with several owners and members span entries and pages.
useSyncFixture({ seed: 71, users: 160, pageSize: 20 }, (started) => ({ sim, harness } = started), (s) => {
  s.deltaSettings.membersPerEntry = 4;
});

describe('group owners from the groups delta', () => {
  it('equal the ground truth after a bootstrap, users and service principals, listed in the run summary', async () => {
    expect(groupOwnerships(sim.tenant).some((o) => o.ownerType === 'servicePrincipal')).toBe(true);
    // Role-assignable but holding no role yet: its owner is still privileged.
    const standby = sim.tenant.createGroup({ displayName: 'Standby admins', securityEnabled: true, isAssignableToRole: true });
    sim.tenant.addGroupOwner(standby.id, sim.tenant.activeUsers()[7]!.id);

    const { summary } = await harness.sync();

    expect(summary.streams.groupOwners).toMatchObject({ mode: 'bootstrap', upserted: groupOwnerships(sim.tenant).length, removed: 0 });
    await expectGroupOwnersMatchTruth();
    await expectInventoryMatchesTruth(harness.db, harness.connectorId, sim.tenant);

    // privileged_group_owners: owners of role-assignable groups and of groups holding a directory role.
    const t = sim.tenant;
    const holding = new Set(roleAssignments(t).map((a) => a.principalId));
    const privileged = new Set(t.activeObjects('groups').filter((g) => g.isAssignableToRole === true || holding.has(g.id)).map((g) => g.id));
    const view = await harness.query<{ k: string }>(`select group_id || '/' || owner_id as k from privileged_group_owners where connector_id = $1`, [harness.connectorId]);
    const expected = groupOwnerships(t).filter((o) => privileged.has(o.groupId)).map((o) => `${o.groupId}/${o.ownerId}`);
    expect(expected.length).toBeGreaterThan(0);
    expect(sorted(view.map((r) => r.k))).toEqual(sorted(expected));
  });

  it('follows owner adds and removes in an incremental run, merging a group whose owners span several entries and pages', async () => {
    const t = sim.tenant;
    const users = t.activeUsers();
    const automation = t.activeObjects('servicePrincipals')[0]!;
    // A group gaining 9 members and 6 owners in one round: 15 links at 4 an entry.
    const crowded = t.activeObjects('groups').find((g) => !g.isAssignableToRole && !g.mailEnabled && t.groupOwnersOf(g.id).length === 0)!;
    const newMembers = users.filter((u) => !t.memberships.has(crowded.id, u.id)).slice(0, 9);
    for (const user of newMembers) t.addGroupMember(crowded.id, user.id);
    const newOwners = [...users.slice(20, 25).map((u) => u.id), automation.id];
    for (const id of newOwners) t.addGroupOwner(crowded.id, id);
    // Another group loses its owners, one more changes hands.
    const [losing, changing] = t.activeObjects('groups').filter((g) => g.id !== crowded.id && t.groupOwnersOf(g.id).length > 0);
    const lost = [...t.groupOwnersOf(losing!.id)];
    for (const id of lost) t.removeGroupOwner(losing!.id, id);
    const handedOver = t.groupOwnersOf(changing!.id)[0]!;
    t.removeGroupOwner(changing!.id, handedOver);
    const successor = users.find((u) => !t.groupOwnersOf(changing!.id).includes(u.id) && u.id !== handedOver)!;
    t.addGroupOwner(changing!.id, successor.id);
    // A new group with its owners.
    const fresh = t.createGroup({ displayName: 'Owned from the start', securityEnabled: true });
    t.addGroupOwner(fresh.id, users[30]!.id);
    t.addGroupOwner(fresh.id, users[31]!.id);
    sim.deltaSettings.pageSize = 2;

    const { summary, workflowId } = await harness.sync();
    sim.deltaSettings.pageSize = 20;

    expect(summary.streams.groups).toMatchObject({ mode: 'incremental' });
    expect(summary.streams.groupOwners).toMatchObject({ mode: 'incremental', upserted: newOwners.length + 1 + 2, removed: lost.length + 1 });
    await expectGroupOwnersMatchTruth();
    // The round the run read, replayed from its start link: the crowded group's owners did span pages.
    const [{ start_link: startLink }] = (await harness.query<{ start_link: string }>(
      `select s.start_link from sync_run_streams s join sync_runs r on r.id = s.run_id where r.workflow_id = $1 and s.stream = 'groups'`,
      [workflowId],
    )) as [{ start_link: string }];
    sim.deltaSettings.pageSize = 2;
    const replay = await deltaRound(graphClientFor(sim), startLink);
    sim.deltaSettings.pageSize = 20;
    const entriesWithItsOwners = replay.entries.filter((e) => e.id === crowded.id && Array.isArray(e['owners@delta']));
    expect(entriesWithItsOwners.length).toBeGreaterThan(1);
    expect(replay.pages.filter((p) => p.value.some((e) => e.id === crowded.id)).length).toBeGreaterThan(1);
  });

  it('removes the owner rows of a group that is deleted, soft or hard, and of an owner soft-deleted', async () => {
    const t = sim.tenant;
    const owned = t.activeObjects('groups').filter((g) => t.groupOwnersOf(g.id).length > 0);
    const [softDeleted, hardDeleted] = owned;
    const ownerLeaving = t.activeUsers().find((u) => owned.slice(2).some((g) => t.groupOwnersOf(g.id).includes(u.id)))!;
    t.softDeleteObject('groups', softDeleted!.id);
    t.hardDeleteObject('groups', hardDeleted!.id);
    t.softDeleteUser(ownerLeaving.id);

    await harness.sync();

    const left = await harness.query(`select group_id, owner_id from group_owners where connector_id = $1 and (group_id = any($2) or owner_id = $3)`, [
      harness.connectorId,
      [softDeleted!.id, hardDeleted!.id],
      ownerLeaving.id,
    ]);
    expect(left).toEqual([]);
    await expectGroupOwnersMatchTruth();
  });

  for (const malformation of ['notArray', 'memberWithoutId'] as const) {
    it(`an owners@delta that is malformed (${malformation}) fails the run naming the group and the page, committing nothing`, async () => {
      const before = await digest();
      const owned = sim.tenant.activeObjects('groups').find((g) => sim.tenant.groupOwnersOf(g.id).length > 0)!;
      sim.tenant.addGroupOwner(owned.id, sim.tenant.activeUsers().find((u) => !sim.tenant.groupOwnersOf(owned.id).includes(u.id))!.id);
      sim.deltaTokens.expireAll('groups'); // a bootstrap: skipping owners silently would delete group owners
      // Request 1 is the expired cursor; request 2 the first page of the new round.
      sim.faults.add({ kind: 'malformedMembersDelta', collection: 'owners', pathPrefix: '/v1.0/groups/delta', nth: 2, malformation });

      const failure = await harness.failingSync();

      expect(failure.type).toBe('GraphBadResponse');
      expect(failure.message).toContain('owners@delta');
      expect(failure.message).toContain('page 1 of groups/delta');
      expect(failure.message).toContain(malformation === 'notArray' ? 'not an array' : 'without an id');
      const named = /group ([0-9a-f-]{36})/.exec(failure.message)?.[1];
      expect(sim.tenant.activeObjects('groups').map((g) => g.id)).toContain(named);
      expect(await digest()).toEqual(before);
      const [run] = await harness.query('select status, error_kind from sync_runs where workflow_id = $1', [failure.workflowId]);
      expect(run).toEqual({ status: 'failed', error_kind: 'GraphBadResponse' });
      expect(await harness.query('select count(*)::int as n from staged_group_owners')).toEqual([{ n: 0 }]);

      sim.faults.clear();
      await harness.sync();
      await expectGroupOwnersMatchTruth();
    });
  }

  it('after an upgrade, a groups cursor taken without owners re-bootstraps the groups stream: every owner arrives, nothing is lost', async () => {
    // What migration 0016 leaves behind: a groups cursor taken with the old $select (no owners),
    // recorded as such, and an empty group_owners table.
    const oldSelect = DELTA_QUERIES.groups.select.filter((name) => name !== 'owners');
    const old = await deltaRound(graphClientFor(sim), `/groups/delta?$select=${oldSelect.join(',')}`);
    await harness.query(`update delta_cursors set delta_link = $2, query_select = $3 where connector_id = $1 and stream = 'groups'`, [
      harness.connectorId,
      old.deltaLink,
      oldSelect.join(','),
    ]);
    await harness.query('delete from group_owners where connector_id = $1', [harness.connectorId]);
    const group = sim.tenant.activeObjects('groups')[3]!;
    sim.tenant.updateObject('groups', group.id, { description: 'changed after the upgrade' });

    const { summary } = await harness.sync();

    expect(summary.streams.groups).toMatchObject({ mode: 'bootstrap', resyncReason: 'queryChanged' });
    expect(summary.streams.users).toMatchObject({ mode: 'incremental' });
    await expectGroupOwnersMatchTruth();
    await expectInventoryMatchesTruth(harness.db, harness.connectorId, sim.tenant);
    // The new cursor carries owners: the next run is incremental again.
    const next = await harness.sync();
    expect(next.summary.streams.groups).toMatchObject({ mode: 'incremental' });
    expect(next.summary.streams.groups?.resyncReason).toBeUndefined();
  });
});
