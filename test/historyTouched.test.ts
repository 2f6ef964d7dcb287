import { describe, expect, it } from 'vitest';
import { recordHistory } from '../activities/finalize/recordHistory';
import type { RunningSimulator } from '../simulator/server';
import { appRoleAssignments, credentials, directMemberships, effectiveEntitlements, groupOwnerships, ownerships, roleAssignments } from '../simulator/tenant/groundTruth';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

// An incremental run diffs history only over the keys of the objects it touched (docs/history.md,
// "Whole or touched"); what it records must still be exactly what changed in the simulator's tenant.

let sim: RunningSimulator;
let harness: SyncHarness;

const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
const sorted = (items: string[]) => [...items].sort();

/** Every relationship the tenant holds now, as "kind:key" the way docs/history.md keys each kind. */
function groundTruth(): string[] {
  const t = sim.tenant;
  return sorted([
    ...directMemberships(t).map((m) => `group_member:${m.groupId}/${m.memberId}`),
    ...groupOwnerships(t).map((o) => `group_owner:${o.groupId}/${o.ownerId}`),
    ...ownerships(t).map((o) => `app_owner:${o.objectType}/${o.objectId}/${o.ownerId}`),
    ...appRoleAssignments(t).map((a) => `app_role_assignment:${a.principalId}/${a.resourceId}/${a.appRoleId}`),
    ...roleAssignments(t).map((r) => `directory_role:${r.principalId}/${r.roleDefinitionId}/${r.directoryScopeId}/${r.appScopeId ?? ''}`),
    ...t
      .currentRoleEligibilities()
      .filter((e) => t.isActive(e.principalId))
      .map((e) => `directory_role_eligible:${e.principalId}/${e.roleDefinitionId}/${e.directoryScopeId}/${e.appScopeId ?? ''}`),
    ...credentials(t).map((c) => `credential:${c.ownerType}/${c.ownerId}/${c.keyId}@${Date.parse(c.endDateTime)}`),
  ]);
}

/** What history holds open now, in the same words. */
async function openIntervals(): Promise<string[]> {
  const rows = await harness.query<{ k: string }>(
    `select kind || ':' || array_to_string(key, '/') || case when kind = 'credential' then '@' || ((extract(epoch from (detail ->> 'endDateTime')::timestamptz) * 1000)::bigint)::text else '' end as k
       from relationship_history where connector_id = $1 and closed_run_id is null`,
    [harness.connectorId],
  );
  return sorted(rows.map((r) => r.k));
}

/** The changes history attributes to a run, as "added kind:key" / "removed kind:key". */
async function changesOf(syncRunId: number): Promise<string[]> {
  const rows = await harness.query<{ c: string }>(
    `select change || ' ' || kind || ':' || array_to_string(key, '/') as c from relationship_changes where connector_id = $1 and run_id = $2`,
    [harness.connectorId, syncRunId],
  );
  return sorted(rows.map((r) => r.c));
}

/** The difference between two ground truths, in the same words (a credential's new dates are a removal and an addition). */
function truthDiff(before: string[], after: string[]): string[] {
  const strip = (k: string) => k.replace(/@.*$/, '');
  const was = new Set(before);
  const now = new Set(after);
  return sorted([...after.filter((k) => !was.has(k)).map((k) => `added ${strip(k)}`), ...before.filter((k) => !now.has(k)).map((k) => `removed ${strip(k)}`)]);
}

async function scopeOf(syncRunId: number): Promise<{ diff: string | null; touched: number | null }> {
  const [row] = await harness.query<{ diff: string | null; touched: number | null }>(
    'select history_diff as diff, history_touched_objects as touched from sync_runs where id = $1',
    [syncRunId],
  );
  return row!;
}

/** Effective entitlements as stored, and as the tenant computes them: "principal/assignment/via group". */
async function storedEntitlements(): Promise<string[]> {
  const rows = await harness.query<{ k: string }>(
    `select principal_id || '/' || assignment_id || '/' || via_group_id as k from effective_entitlements where connector_id = $1`,
    [harness.connectorId],
  );
  return sorted(rows.map((r) => r.k));
}
const entitlementsTruth = () => sorted(effectiveEntitlements(sim.tenant).map((e) => `${e.principalId}/${e.assignmentId}/${e.viaGroupId ?? ''}`));

/** What a whole diff would still change after the run committed: nothing, if the touched diff missed nothing. */
async function wholeDiffLeftover(syncRunId: number): Promise<{ opened: number; closed: number }> {
  const client = await harness.db.connect();
  try {
    await client.query('begin');
    const counts = await recordHistory(client, harness.connectorId, syncRunId, { diff: 'whole', reason: 'check' });
    return Object.values(counts).reduce((sum, c) => ({ opened: sum.opened + c.opened, closed: sum.closed + c.closed }), { opened: 0, closed: 0 });
  } finally {
    await client.query('rollback');
    client.release();
  }
}

useSyncFixture({ seed: 29, users: 150, pageSize: 40 }, (started) => ({ sim, harness } = started));

describe('relationship history diffs only what an incremental run touched', () => {
  let before: string[] = [];

  it('a bootstrap diffs whole', async () => {
    // The groups changed below hold an app role, so their members' entitlements change with them.
    // Silently (no audit event) and on an app nothing below touches: no later run re-reads it, so
    // only the membership pairs and the group's removal bring those entitlements into the touched scope.
    const t = sim.tenant;
    const [group, doomedGroup] = t.activeObjects('groups').filter((g) => t.memberships.sortedMembersOf(g.id).length > 1);
    const resource = t.activeObjects('servicePrincipals').filter((s) => t.activeOwnersOf(s.id).length === 0).at(-1)!;
    for (const g of [group!, doomedGroup!]) t.assignAppRole({ resourceId: resource.id, principalId: g.id }, { silent: true });
    const { summary } = await harness.sync();
    expect(await scopeOf(summary.syncRunId)).toEqual({ diff: 'whole', touched: null });
    before = groundTruth();
    expect(await openIntervals()).toEqual(before);
    expect(await storedEntitlements()).toEqual(entitlementsTruth());
  });

  it('an incremental run diffs the touched keys and records exactly what changed in the tenant', async () => {
    const t = sim.tenant;
    const users = t.activeUsers();
    // One change through each way a relationship can change in an incremental run.
    const [group, doomedGroup, ownedGroup] = t.activeObjects('groups').filter((g) => t.memberships.sortedMembersOf(g.id).length > 1);
    const newcomer = users.find((u) => !t.memberships.sortedMembersOf(group!.id).includes(u.id))!;
    t.addGroupMember(group!.id, newcomer.id); // a link, the group itself unchanged
    t.removeGroupMember(group!.id, t.memberships.sortedMembersOf(group!.id).find((m) => m !== newcomer.id)!);
    t.softDeleteObject('groups', doomedGroup!.id); // its memberships and owners end with it
    const groupOwner = users.find((u) => !t.groupOwnersOf(ownedGroup!.id).includes(u.id))!;
    t.addGroupOwner(ownedGroup!.id, groupOwner.id);
    const sp = t.activeObjects('servicePrincipals').find((s) => t.activeOwnersOf(s.id).length > 0)!;
    const departed = users.find((u) => u.id !== newcomer.id && u.id !== groupOwner.id && directMemberships(t).some((m) => m.memberId === u.id))!;
    t.softDeleteUser(departed.id); // everything it held ends, the objects it held untouched
    const [app] = t.activeObjects('applications');
    const appOwner = users.find((u) => u.id !== departed.id && !t.activeOwnersOf(app!.id).includes(u.id))!;
    t.addOwner(app!.id, appOwner.id); // read by reconciliation
    t.assignAppRole({ resourceId: sp.id, principalId: newcomer.id });
    t.assignDirectoryRole({ principalId: appOwner.id, roleDefinitionId: GLOBAL_ADMINISTRATOR });
    t.addRoleEligibility({ principalId: newcomer.id, roleDefinitionId: GLOBAL_ADMINISTRATOR });
    t.addPasswordCredential(app!.id, { displayName: 'rotated' });
    const certificateOwner = t.activeObjects('applications').find((a) => a.keyCredentials.length > 0)!;
    const [certificate, ...otherCertificates] = certificateOwner.keyCredentials;
    t.updateObject('applications', certificateOwner.id, { keyCredentials: [{ ...certificate!, endDateTime: '2031-06-30T00:00:00Z' }, ...otherCertificates] });

    const { summary } = await harness.sync();
    const after = groundTruth();

    const scope = await scopeOf(summary.syncRunId);
    expect(scope.diff).toBe('touched');
    const [objects] = await harness.query<{ n: number }>(
      `select (select count(*) from users where connector_id = $1) + (select count(*) from groups where connector_id = $1)
            + (select count(*) from applications where connector_id = $1) + (select count(*) from service_principals where connector_id = $1) as n`,
      [harness.connectorId],
    );
    expect(scope.touched).toBeGreaterThan(0);
    expect(scope.touched).toBeLessThan(Number(objects!.n) / 2);
    const expected = truthDiff(before, after);
    expect(expected.length).toBeGreaterThanOrEqual(12);
    expect(await changesOf(summary.syncRunId)).toEqual(expected);
    expect(await openIntervals()).toEqual(after);
    expect(await wholeDiffLeftover(summary.syncRunId)).toEqual({ opened: 0, closed: 0 });
    // Entitlements are recomputed over the same touched scope, and still equal the tenant's.
    expect(await storedEntitlements()).toEqual(entitlementsTruth());
    before = after;
  });

  it('recomputes the entitlements of assignments added or removed through a group, and of a group deleted and restored', async () => {
    const t = sim.tenant;
    const [group] = t.activeObjects('groups').filter((g) => t.memberships.sortedMembersOf(g.id).filter((m) => t.objectKind(m) === 'user').length > 1);
    const [sp, otherSp] = t.activeObjects('servicePrincipals');
    const viaGroup = async () => (await storedEntitlements()).filter((k) => k.endsWith(`/${group!.id}`));
    const held = (await viaGroup()).length; // the group may hold assignments already
    const assignment = t.assignAppRole({ resourceId: sp!.id, principalId: group!.id });
    t.assignAppRole({ resourceId: otherSp!.id, principalId: group!.id });
    const synced = async () => {
      const { summary } = await harness.sync();
      expect((await scopeOf(summary.syncRunId)).diff).toBe('touched');
      expect(await storedEntitlements()).toEqual(entitlementsTruth());
    };

    await synced();
    const members = t.memberships.sortedMembersOf(group!.id).filter((m) => t.objectKind(m) === 'user');
    expect(await viaGroup()).toHaveLength(held + 2 * members.length);
    t.removeAppRoleAssignment(assignment.id);
    await synced();
    expect(await viaGroup()).toHaveLength(held + members.length);
    t.softDeleteObject('groups', group!.id);
    await synced();
    expect(await viaGroup()).toEqual([]);
    t.restoreObject('groups', group!.id);
    // Graph lists the restored group's assignments again without an event that says so: the
    // connector reads them when their service principals are next re-read (docs/inventory.md),
    // here because each changed in delta.
    const resources = new Set(appRoleAssignments(t).filter((a) => a.principalId === group!.id).map((a) => a.resourceId));
    for (const id of resources) t.updateObject('servicePrincipals', id, { tags: ['restored-group'] });
    await synced();
    expect(await viaGroup()).toHaveLength(held + members.length);
  });

  it('a re-bootstrapped stream makes the diff whole again', async () => {
    sim.deltaTokens.expireAll();
    const { summary } = await harness.sync();
    expect(await scopeOf(summary.syncRunId)).toEqual({ diff: 'whole', touched: null });
    expect(await changesOf(summary.syncRunId)).toEqual([]);
    expect(await openIntervals()).toEqual(groundTruth());
  });
});
