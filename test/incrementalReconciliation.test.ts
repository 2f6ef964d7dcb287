import { beforeAll, describe, expect, it } from 'vitest';
import { planTargets } from '../activities/staging/planTargets';
import { appRoleAssignments, effectiveEntitlements, ownerships } from '../simulator/tenant/groundTruth';
import type { RunningSimulator } from '../simulator/server';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

// Incremental reconciliation (docs/inventory.md): a run re-reads owners and app role assignments
// only of the apps and service principals its delta changed or created, that audit events name,
// or whose last full read is due. Expected values come from the simulator's ground truth.

let sim: RunningSimulator;
let harness: SyncHarness;
const sorted = (items: string[]) => [...items].sort();
const rows = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => harness.query<T>(sql, [harness.connectorId, ...params]);

async function expectOwnersAndAssignmentsMatchTruth(): Promise<void> {
  const t = sim.tenant;
  const owners = await rows<{ k: string }>(`select object_type || '/' || object_id || '/' || owner_id || '/' || owner_type as k from owners where connector_id = $1`);
  expect(sorted(owners.map((r) => r.k)), 'owners').toEqual(sorted(ownerships(t).map((o) => `${o.objectType}/${o.objectId}/${o.ownerId}/${o.ownerType}`)));
  const assignments = await rows<{ k: string }>(`select id || '/' || principal_id || '/' || resource_id || '/' || app_role_id as k from app_role_assignments where connector_id = $1`);
  expect(sorted(assignments.map((r) => r.k)), 'app role assignments').toEqual(sorted(appRoleAssignments(t).map((a) => `${a.id}/${a.principalId}/${a.resourceId}/${a.appRoleId}`)));
  const entitlements = await rows<{ k: string }>(`select principal_id || '/' || assignment_id || '/' || via_group_id as k from effective_entitlements where connector_id = $1`);
  expect(sorted(entitlements.map((r) => r.k)), 'effective entitlements').toEqual(sorted(effectiveEntitlements(t).map((e) => `${e.principalId}/${e.assignmentId}/${e.viaGroupId ?? ''}`)));
}

/** What a committed run read, and why, from the per-target read state. */
async function readBy(syncRunId: number): Promise<Map<string, string>> {
  const read = await rows<{ object_id: string; reason: string }>('select object_id, reason from reconcile_reads where connector_id = $1 and run_id = $2', [syncRunId]);
  return new Map(read.map((r) => [r.object_id, r.reason]));
}

/** Apps and service principals that owner or assignment audit events name since `since` (simulator truth). */
function auditNamedSince(since: number): Set<string> {
  const live = new Set([...sim.tenant.activeObjects('applications'), ...sim.tenant.activeObjects('servicePrincipals')].map((o) => o.id));
  const named = [...sim.tenant.directoryAudits.newestFirst()]
    .filter((e) => Date.parse(e.activityDateTime) >= since && /^(add|remove) (owner|app role assignment)/i.test(e.activityDisplayName))
    // Targets, and the owned object an owner event carries only as `Application.ObjectID` / `ServicePrincipal.ObjectID`.
    .flatMap((e) => e.targetResources.flatMap((r) => [r.id, ...r.modifiedProperties.filter((p) => p.displayName.endsWith('.ObjectID')).map((p) => JSON.parse(p.newValue ?? p.oldValue ?? '""') as string)]));
  return new Set(named.filter((id) => live.has(id)));
}

const AUDIT_OVERLAP_MS = 60 * 60_000; // the default ENTRA_AUDIT_OVERLAP the fixture's worker uses

/** What the next run's audit pull re-reads names: from the committed watermark less the overlap. */
async function namedForNextRun(): Promise<Set<string>> {
  const [{ watermark }] = (await rows<{ watermark: Date }>('select watermark from audit_watermarks where connector_id = $1')) as [{ watermark: Date }];
  return auditNamedSince(watermark.getTime() - AUDIT_OVERLAP_MS);
}

async function untilAsync(condition: () => Promise<boolean>, what: string, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function until(condition: () => boolean, what: string, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

useSyncFixture({ seed: 53, users: 300, pageSize: 50 }, (started) => ({ sim, harness } = started));

// PIM for Groups sends JSON batches of its own for role-assignable groups; with none, every $batch
// this file counts or holds is the reconciliation's.
beforeAll(() => {
  for (const group of sim.tenant.activeObjects('groups').filter((g) => g.isAssignableToRole)) sim.tenant.updateObject('groups', group.id, { isAssignableToRole: false });
});

describe('incremental reconciliation', () => {
  it('re-reads only what changed, was created or is named by an audit event, and still equals the truth', async () => {
    const t = sim.tenant;
    const bootstrap = await harness.sync();
    const first = await readBy(bootstrap.summary.syncRunId);
    const targets = t.activeObjects('applications').length + t.activeObjects('servicePrincipals').length;
    expect(first.size).toBe(targets);
    expect(new Set(first.values())).toEqual(new Set(['bootstrap']));
    await expectOwnersAndAssignmentsMatchTruth();

    const [user, otherUser] = t.activeObjects('users');
    const withOwners = (s: { id: string }) => t.activeOwnersOf(s.id).length > 0;
    const sps = t.activeObjects('servicePrincipals');
    // An app whose object changed in delta (a new secret) and that got an owner the audit log never saw.
    const changedApp = t.activeObjects('applications').find(withOwners)!;
    t.addOwner(changedApp.id, user!.id, { silent: true });
    t.addPasswordCredential(changedApp.id, { displayName: 'rotated' }, { silent: true });
    // A service principal whose only trace is the audit event of a new assignment.
    const assignedSp = sps.find((s) => t.activeAppRoleAssignmentsOf(s.id).every((a) => a.principalId !== otherUser!.id))!;
    t.assignAppRole({ resourceId: assignedSp.id, principalId: otherUser!.id });
    // An owner removed, logged.
    const unownedSp = sps.find((s) => s.id !== assignedSp.id && withOwners(s))!;
    t.removeOwner(unownedSp.id, t.activeOwnersOf(unownedSp.id)[0]!);
    // An owner added to an app, logged as Entra logs it: the app only in `Application.ObjectID`.
    const loggedApp = t.activeObjects('applications').find((a) => a.id !== changedApp.id && !t.activeOwnersOf(a.id).includes(otherUser!.id))!;
    t.addOwner(loggedApp.id, otherUser!.id);
    // A new service principal, and one deleted with its owners and assignments.
    const created = t.createServicePrincipal({ displayName: 'Incremental reconciliation test' }, { silent: true });
    t.addOwner(created.id, user!.id, { silent: true });
    const deleted = sps.find((s) => ![assignedSp.id, unownedSp.id].includes(s.id) && withOwners(s) && t.activeAppRoleAssignmentsOf(s.id).length > 0)!;
    t.hardDeleteObject('servicePrincipals', deleted.id);
    expect((await rows('select 1 from owners where connector_id = $1 and object_id = $2', [deleted.id])).length).toBeGreaterThan(0);

    const named = await namedForNextRun();
    expect(named.has(assignedSp.id) && named.has(unownedSp.id) && named.has(loggedApp.id)).toBe(true);
    expect(named.has(changedApp.id) || named.has(created.id)).toBe(false);
    sim.counters.reset();

    const incremental = await harness.sync();

    await expectOwnersAndAssignmentsMatchTruth();
    expect((await rows('select 1 from owners where connector_id = $1 and object_id = $2', [deleted.id])).length).toBe(0);
    const read = await readBy(incremental.summary.syncRunId);
    expect(read.get(changedApp.id)).toBe('changed');
    expect(read.get(created.id)).toBe('created');
    expect(read.get(assignedSp.id)).toBe('audit');
    expect(read.get(unownedSp.id)).toBe('audit');
    expect(read.get(loggedApp.id)).toBe('audit');
    // Nothing else: every other target keeps its bootstrap read.
    expect(sorted([...read.keys()])).toEqual(sorted([...new Set([changedApp.id, created.id, ...named])]));
    expect(read.size).toBeLessThan(targets / 4);
    // The simulator saw exactly those reads: one owners sub-request per app, two per service principal.
    const apps = new Set(t.activeObjects('applications').map((a) => a.id));
    const expectedSubRequests = [...read.keys()].reduce((n, id) => n + (apps.has(id) ? 1 : 2), 0);
    expect(sim.counters.snapshot().totals.subRequests).toBe(expectedSubRequests);
  });

  it('reads what the deltas name while the audit pull still waits on Graph, then what only the audit events name', async () => {
    const t = sim.tenant;
    // A delta change (a new secret), which no audit event names.
    const changedApp = t.activeObjects('applications').find((a) => t.activeOwnersOf(a.id).length > 0)!;
    t.addPasswordCredential(changedApp.id, { displayName: 'waves' }, { silent: true });
    // A new assignment, which only the audit log names.
    const user = t.activeObjects('users')[2]!;
    const assignedSp = t.activeObjects('servicePrincipals').find((s) => t.activeAppRoleAssignmentsOf(s.id).every((a) => a.principalId !== user.id))!;
    t.assignAppRole({ resourceId: assignedSp.id, principalId: user.id });
    const hold = sim.faults.add({ kind: 'hold', pathPrefix: '/v1.0/auditLogs/directoryAudits', method: 'GET', times: 1000 });
    const handle = await harness.startSync();
    try {
      const target = async () =>
        (await rows<{ run: number; done: boolean }>(
          `select t.run_id::int as run, t.done from reconcile_targets t join sync_runs r on r.id = t.run_id
            where r.connector_id = $1 and r.status = 'running' and t.object_id = $2`,
          [changedApp.id],
        ))[0];
      await untilAsync(async () => (await target())?.done === true, 'the changed app read while the audit pull is held');
      const { run } = (await target())!;
      expect(sim.faults.list().find((f) => f.id === hold.id)?.fired, 'the audit pull waits on Graph').toBeGreaterThan(0);
      const audit = await harness.query(`select pulled_at is not null as pulled from sync_run_streams where run_id = $1 and stream = 'credentialAuditEvents'`, [run]);
      expect(audit).toEqual([{ pulled: false }]);
      expect(await harness.query(`select object_id from reconcile_targets where run_id = $1 and reason = 'audit'`, [run])).toEqual([]);
    } finally {
      sim.faults.remove(hold.id);
    }
    const summary = await handle.result();
    await expectOwnersAndAssignmentsMatchTruth();
    const read = await readBy(summary.syncRunId);
    expect(read.get(changedApp.id)).toBe('changed');
    expect(read.get(assignedSp.id)).toBe('audit');
  });

  it('misses a change with neither a delta change nor an audit event until its periodic full read comes due', async () => {
    const t = sim.tenant;
    // One that no audit event in the window the next runs re-read names (ENTRA_AUDIT_OVERLAP).
    const named = await namedForNextRun();
    const sp = t.activeObjects('servicePrincipals').find((s) => t.activeOwnersOf(s.id).length > 0 && !named.has(s.id))!;
    const newcomer = t.activeObjects('users').find((u) => t.activeAppRoleAssignmentsOf(sp.id).every((a) => a.principalId !== u.id))!;
    const silent = t.assignAppRole({ resourceId: sp.id, principalId: newcomer.id }, { silent: true });
    const storedIds = async () => (await rows<{ id: string }>('select id from app_role_assignments where connector_id = $1 and resource_id = $2', [sp.id])).map((r) => r.id);

    const quiet = await harness.sync();

    expect((await readBy(quiet.summary.syncRunId)).has(sp.id)).toBe(false);
    expect(await storedIds()).not.toContain(silent.id);

    // Its last full read is now a day and a minute old (ENTRA_RECONCILE_FULL_EVERY, default 1d).
    await rows(`update reconcile_reads set read_at = read_at - interval '1 day 1 minute' where connector_id = $1 and object_id = $2`, [sp.id]);
    const due = await harness.sync();

    expect((await readBy(due.summary.syncRunId)).get(sp.id)).toBe('periodic');
    expect(sorted(await storedIds())).toEqual(sorted(t.activeAppRoleAssignmentsOf(sp.id).map((a) => a.id)));
    await expectOwnersAndAssignmentsMatchTruth();
  });

  it('reads every target once after an upgrade from full reads, when no read state exists', async () => {
    await rows('delete from reconcile_reads where connector_id = $1');
    const named = await namedForNextRun();
    // The audit log answers only once the first wave is planned (the order of a tenant whose audit
    // log is slow to read; when it answers first, the run plans once and `audit` wins).
    const hold = sim.faults.add({ kind: 'hold', pathPrefix: '/v1.0/auditLogs/directoryAudits', method: 'GET', times: 1000 });
    const handle = await harness.startSync();
    try {
      await untilAsync(
        async () => (await rows(`select 1 from reconcile_targets t join sync_runs r on r.id = t.run_id where r.connector_id = $1 and r.status = 'running' limit 1`)).length > 0,
        'the first wave planned',
      );
    } finally {
      sim.faults.remove(hold.id);
    }
    const upgraded = await handle.result();
    const read = await readBy(upgraded.syncRunId);
    const all = [...sim.tenant.activeObjects('applications'), ...sim.tenant.activeObjects('servicePrincipals')].map((o) => o.id);
    expect(sorted([...read.keys()])).toEqual(sorted(all));
    // Everything is read for want of state, in the first wave: before the audit events are staged,
    // so the ones they name too are not read again.
    expect(named.size).toBeGreaterThan(0);
    for (const id of all) expect(read.get(id), id).toBe('unread');
    await expectOwnersAndAssignmentsMatchTruth();
  });

  it('keeps several JSON batches of a shard in flight at once, and still commits the truth', async () => {
    await rows('delete from reconcile_reads where connector_id = $1'); // every target again: several batches
    // Every $batch waits unanswered: a second one can only arrive while the first is in flight,
    // or from a retried attempt once the first attempt's heartbeat timed out.
    const hold = sim.faults.add({ kind: 'hold', pathPrefix: '/v1.0/$batch', method: 'POST', times: 100 });
    const handle = await harness.startSync();
    try {
      await until(() => (sim.faults.list().find((f) => f.id === hold.id)?.fired ?? 0) >= 2, 'two $batch requests in flight');
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      expect(pending.find((a) => a.activityType?.name === 'reconcileShard')?.attempt, 'both from the first attempt').toBe(1);
    } finally {
      sim.faults.remove(hold.id);
    }
    await handle.result();
    await expectOwnersAndAssignmentsMatchTruth();
  });

  it('keeps the plan a run made: planning again (a retried or reset activity) changes no target or reason', async () => {
    const t = sim.tenant;
    const sp = t.activeObjects('servicePrincipals').find((s) => t.activeOwnersOf(s.id).length > 0)!;
    t.addOwner(sp.id, t.activeObjects('users').find((u) => !t.activeOwnersOf(sp.id).includes(u.id))!.id); // logged: a reason to read it
    const hold = sim.faults.add({ kind: 'hold', pathPrefix: '/v1.0/$batch', method: 'POST', times: 100 });
    const handle = await harness.startSync();
    const plan = async (syncRunId: number) =>
      (await harness.query<{ k: string }>(`select object_type || '/' || object_id || '/' || reason || '/' || shard as k from reconcile_targets where run_id = $1`, [syncRunId])).map((r) => r.k).sort();
    try {
      await until(() => (sim.faults.list().find((f) => f.id === hold.id)?.fired ?? 0) >= 1, 'the first $batch');
      const [{ id: syncRunId }] = (await rows<{ id: number }>(`select id::int from sync_runs where connector_id = $1 and status = 'running'`)) as [{ id: number }];
      const first = await plan(syncRunId);
      expect(first).toContain(`servicePrincipal/${sp.id}/audit/0`);
      // Planned again, as one wave and as each wave, with a period so short that, planned afresh, every target would be due.
      for (const wave of [undefined, 'deltas', 'audit'] as const) {
        await planTargets(harness.db, syncRunId, harness.connectorId, 1, wave);
        expect(await plan(syncRunId), wave).toEqual(first);
      }
    } finally {
      sim.faults.remove(hold.id);
    }
    await handle.result();
    await expectOwnersAndAssignmentsMatchTruth();
  });
});
