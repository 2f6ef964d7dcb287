import { describe, expect, it } from 'vitest';
import { appRoleAssignments, directMemberships, groupOwnerships } from '../simulator/tenant/groundTruth';
import type { RunningSimulator } from '../simulator/server';
import { expectInventoryMatchesTruth } from './support/inventoryTruth';
import { recordHistoryIfAsked } from './support/histories';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

let sim: RunningSimulator;
let harness: SyncHarness;

const cursors = async () =>
  Object.fromEntries(
    (await harness.query<{ stream: string; delta_link: string }>('select stream, delta_link from delta_cursors where connector_id = $1', [harness.connectorId])).map(
      (r) => [r.stream, r.delta_link],
    ),
  );
const deletionKind = async (table: string, id: string) =>
  (await harness.query<{ deletion_kind: string | null }>(`select deletion_kind from ${table} where connector_id = $1 and id = $2`, [harness.connectorId, id]))[0]?.deletion_kind;
const matchesTruth = () => expectInventoryMatchesTruth(harness.db, harness.connectorId, sim.tenant);
const builtTables = async (syncRunId: number) =>
  (await harness.query<{ built: string[] | null }>('select built_tables as built from sync_runs where id = $1', [syncRunId]))[0]!.built;

useSyncFixture({ seed: 31, users: 600, pageSize: 25 }, (started) => ({ sim, harness } = started), (s) => {
  s.deltaSettings.membersPerEntry = 15; // large groups span several entries and pages
});

describe('the four delta streams, memberships and credentials', () => {
  it('bootstrap: every stream, membership and credential equals the ground truth', async () => {
    const run = await harness.sync();
    await recordHistoryIfAsked(harness.client, run, 'inventory-bootstrap-succeeded');
    const { streams } = run.summary;

    for (const stream of ['users', 'groups', 'applications', 'servicePrincipals'] as const) {
      expect(streams[stream], stream).toMatchObject({ mode: 'bootstrap', upserted: sim.tenant.activeObjects(stream).length, removed: 0 });
    }
    expect(streams.memberships).toMatchObject({ mode: 'bootstrap', upserted: directMemberships(sim.tenant).length, removed: 0 });
    expect(streams.credentials!.upserted).toBeGreaterThan(0);
    await matchesTruth();
    expect(Object.keys(await cursors()).sort()).toEqual(['applications', 'groups', 'servicePrincipals', 'users']);
    // A first bootstrap writes these while it pulls and swaps them in at its commit (docs/bootstrap-swap.md).
    expect(await builtTables(run.summary.syncRunId)).toEqual(['users', 'group_members', 'relationship_history', 'effective_entitlements']);
    // The history the pulls built holds memberships only; finalize added the other kinds, and the
    // statistics the next run plans on know them (the tenant has group owners and app role assignments).
    expect(groupOwnerships(sim.tenant).length).toBeGreaterThan(0);
    expect(appRoleAssignments(sim.tenant).length).toBeGreaterThan(0);
    const [kinds] = await harness.query<{ kinds: string[] }>(
      `select array(select unnest(s.most_common_vals::text::text[]) order by 1) as kinds from pg_stats s
        where s.schemaname = 'connector_partitions' and s.tablename = connector_partition_name('relationship_history', $1) and s.attname = 'kind'`,
      [harness.connectorId],
    );
    expect(kinds?.kinds).toEqual(expect.arrayContaining(['app_role_assignment', 'group_member', 'group_owner']));
  });

  it('incremental: every kind of change on every stream, membership adds and removes included', async () => {
    const t = sim.tenant;
    const [u1, u2, u3, u4] = t.activeObjects('users');
    const groups = t.activeObjects('groups');
    const [app1, app2, app3] = t.activeObjects('applications');
    const [sp1, sp2] = t.activeObjects('servicePrincipals');
    const memberships = directMemberships(t);

    const newUser = t.createUser({ displayName: 'New Joiner' });
    t.updateUser(u1!.id, { department: 'Security', accountEnabled: false });
    t.softDeleteUser(u2!.id);
    t.hardDeleteUser(u3!.id);

    const newGroup = t.createGroup({ displayName: 'Incident responders', securityEnabled: true });
    t.addGroupMember(newGroup.id, newUser.id);
    t.addGroupMember(newGroup.id, u4!.id);
    const big = groups[0]!;
    const outsiders = t.activeObjects('users').filter((u) => !memberships.some((m) => m.groupId === big.id && m.memberId === u.id)).slice(0, 60);
    for (const u of outsiders) t.addGroupMember(big.id, u.id); // more members than one page holds
    const removedMembership = memberships.find((m) => m.groupId !== big.id && t.isActive(m.memberId))!;
    t.removeGroupMember(removedMembership.groupId, removedMembership.memberId);
    t.updateObject('groups', groups[1]!.id, { description: 'Reviewed quarterly' });
    t.softDeleteObject('groups', groups[2]!.id);
    t.hardDeleteObject('groups', groups[3]!.id);

    const newApp = t.createApplication({ displayName: 'Payroll connector' });
    t.updateObject('applications', app1!.id, { displayName: 'Renamed app' });
    const secret = t.addPasswordCredential(app2!.id, { displayName: 'rotation 2026' });
    const removedKey = app3!.passwordCredentials[0] ?? app3!.keyCredentials[0];
    if (removedKey) t.removeCredential(app3!.id, removedKey.keyId);
    t.softDeleteObject('applications', app3!.id);

    t.updateObject('servicePrincipals', sp1!.id, { appRoleAssignmentRequired: !sp1!.appRoleAssignmentRequired });
    t.hardDeleteObject('servicePrincipals', sp2!.id);

    const before = await cursors();
    const { summary } = await harness.sync();

    for (const stream of ['users', 'groups', 'applications', 'servicePrincipals'] as const) {
      expect(summary.streams[stream]!.mode, stream).toBe('incremental');
    }
    expect(summary.streams.users).toMatchObject({ upserted: 2, removed: 2 });
    expect(summary.streams.memberships!.upserted).toBe(outsiders.length + 2);
    expect(summary.streams.memberships!.removed).toBeGreaterThanOrEqual(1);
    await matchesTruth();

    expect(await deletionKind('users', u2!.id)).toBe('soft_deleted');
    expect(await deletionKind('users', u3!.id)).toBe('hard_deleted');
    expect(await deletionKind('groups', groups[2]!.id)).toBe('soft_deleted');
    expect(await deletionKind('groups', groups[3]!.id)).toBe('hard_deleted');
    expect(await deletionKind('applications', app3!.id)).toBe('soft_deleted');
    expect(await deletionKind('service_principals', sp2!.id)).toBe('hard_deleted');
    expect(await deletionKind('applications', newApp.id)).toBeNull();
    const [stored] = await harness.query(`select kind, display_name from credentials where connector_id = $1 and key_id = $2`, [harness.connectorId, secret.keyId]);
    expect(stored).toEqual({ kind: 'password', display_name: 'rotation 2026' });
    const after = await cursors();
    for (const stream of Object.keys(before)) expect(after[stream], stream).not.toBe(before[stream]);
  });

  it('duplicates within a round and partial updates change nothing twice', async () => {
    sim.deltaSettings.duplicates = true;
    sim.deltaSettings.changedPropertiesOnly = true;
    try {
      const [user] = sim.tenant.activeObjects('users');
      sim.tenant.updateUser(user!.id, { jobTitle: 'Principal engineer' });
      const [group] = sim.tenant.activeObjects('groups');
      const newcomer = sim.tenant.createUser({ displayName: 'Twice Seen' });
      sim.tenant.addGroupMember(group!.id, newcomer.id);

      const { summary } = await harness.sync();

      expect(summary.streams.users).toMatchObject({ upserted: 2, removed: 0 });
      expect(summary.streams.memberships).toMatchObject({ upserted: 1, removed: 0 });
      await matchesTruth();
      // A partial update kept the properties it did not carry.
      const [row] = await harness.query(`select data->>'jobTitle' as job, user_principal_name from users where connector_id = $1 and id = $2`, [harness.connectorId, user!.id]);
      expect(row).toEqual({ job: 'Principal engineer', user_principal_name: user!.userPrincipalName });
    } finally {
      sim.deltaSettings.duplicates = false;
      sim.deltaSettings.changedPropertiesOnly = false;
    }
  });

  it('an expired token (400 syncStateNotFound) re-bootstraps that stream in the same run', async () => {
    const doomed = sim.tenant.activeObjects('groups')[4]!;
    sim.tenant.hardDeleteObject('groups', doomed.id);
    sim.deltaTokens.expireAll('groups');

    const { summary } = await harness.sync();

    expect(summary.streams.groups).toMatchObject({ mode: 'bootstrap', resyncReason: 'syncStateNotFound' });
    expect(summary.streams.users!.mode).toBe('incremental');
    expect(summary.streams.memberships!.mode).toBe('bootstrap');
    await matchesTruth();
    expect(await deletionKind('groups', doomed.id)).toBe('absent'); // tombstoned by absence
    // A later bootstrap merges from staging: the connector's memberships and history are kept and diffed.
    expect(await builtTables(summary.syncRunId)).toBeNull();
  });

  it("a reset (410 Gone with Location) re-bootstraps from the connector's own initial query", async () => {
    const doomed = sim.tenant.activeObjects('applications')[4]!;
    sim.tenant.hardDeleteObject('applications', doomed.id);
    sim.deltaTokens.resetAll('applications');
    sim.requestLog.clear();

    const { summary } = await harness.sync();

    expect(summary.streams.applications).toMatchObject({ mode: 'bootstrap', resyncReason: 'resyncRequired' });
    const appRequests = sim.requestLog.entries().filter((e) => e.path.startsWith('/v1.0/applications/delta'));
    expect(appRequests[0]!.status).toBe(410);
    expect(appRequests[1]!.status).toBe(200);
    expect(appRequests[1]!.path).toMatch(/^\/v1\.0\/applications\/delta\?\$select=[^&]*passwordCredentials/);
    await matchesTruth();
    expect(await deletionKind('applications', doomed.id)).toBe('absent');
  });

  it('advances all four cursors together or none: one failing stream leaves every cursor and row as it was', async () => {
    sim.tenant.createUser({ displayName: 'Not Yet' });
    sim.tenant.updateObject('groups', sim.tenant.activeObjects('groups')[0]!.id, { description: 'not yet' });
    const before = await cursors();
    const [usersBefore] = await harness.query(`select count(*)::int as n from users where connector_id = $1`, [harness.connectorId]);
    sim.faults.add({ pathPrefix: '/v1.0/servicePrincipals/delta', status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });

    const failure = await harness.failingSync();

    expect(failure.type).toBe('MissingPermission');
    expect(failure.message).toContain('Application.Read.All');
    expect(await cursors()).toEqual(before);
    const [usersAfter] = await harness.query(`select count(*)::int as n from users where connector_id = $1`, [harness.connectorId]);
    expect(usersAfter).toEqual(usersBefore);

    await harness.sync();
    await matchesTruth();
    // The committed run discarded what the failed one had staged for a reset.
    expect(await harness.query('select count(*)::int as n from staged_objects')).toEqual([{ n: 0 }]);
    expect(await harness.query('select count(*)::int as n from staged_memberships')).toEqual([{ n: 0 }]);
  });
});
