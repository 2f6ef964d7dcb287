import { describe, expect, it } from 'vitest';
import { recordHistory } from '../activities/finalize/recordHistory';
import { resetConnectorData } from '../activities/store/connectorReset';
import { inTransaction } from '../activities/store/database';
import type { RunningSimulator } from '../simulator/server';
import { appRoleAssignments, credentials, directMemberships, groupOwnerships, ownerships, roleAssignments, roleMemberships } from '../simulator/tenant/groundTruth';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

// Relationship history (docs/history.md) against the simulator's ground truth, captured after
// every run and compared with what history says held at that run's commit.

let sim: RunningSimulator;
let harness: SyncHarness;

const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
type Kind = 'group_member' | 'group_owner' | 'app_owner' | 'app_role_assignment' | 'directory_role' | 'directory_role_eligible' | 'credential';
type Snapshot = Record<Kind, string[]>;
type Run = { syncRunId: number; committedAt: string; truth: Snapshot; globalAdministrators: string[] };

const sorted = (items: string[]) => [...items].sort();

/** What the simulator's tenant holds now, keyed the way docs/history.md keys each kind. */
function groundTruth(): Snapshot {
  const t = sim.tenant;
  return {
    group_member: sorted(directMemberships(t).map((m) => `${m.groupId}/${m.memberId}`)),
    group_owner: sorted(groupOwnerships(t).map((o) => `${o.groupId}/${o.ownerId}`)),
    app_owner: sorted(ownerships(t).map((o) => `${o.objectType}/${o.objectId}/${o.ownerId}`)),
    app_role_assignment: sorted(appRoleAssignments(t).map((a) => `${a.principalId}/${a.resourceId}/${a.appRoleId}`)),
    directory_role: sorted(roleAssignments(t).map((r) => `${r.principalId}/${r.roleDefinitionId}/${r.directoryScopeId}/${r.appScopeId ?? ''}`)),
    // Deleted principals hold nothing (docs/history.md); the simulator keeps their eligibilities.
    directory_role_eligible: sorted(
      t.currentRoleEligibilities().filter((e) => t.isActive(e.principalId)).map((e) => `${e.principalId}/${e.roleDefinitionId}/${e.directoryScopeId}/${e.appScopeId ?? ''}`),
    ),
    credential: sorted(credentials(t).map((c) => `${c.ownerType}/${c.ownerId}/${c.keyId}@${Date.parse(c.endDateTime)}`)),
  };
}

/** What history says was held at `at`, by certainty. */
async function historyAt(at: string): Promise<{ held: Snapshot; possibly: string[] }> {
  const rows = await harness.query<{ kind: Kind; k: string; end: string | null; certainty: string }>(
    `select kind, array_to_string(key, '/') as k, detail ->> 'endDateTime' as "end", certainty from relationships_on($1, $2)`,
    [harness.connectorId, at],
  );
  const held: Snapshot = { group_member: [], group_owner: [], app_owner: [], app_role_assignment: [], directory_role: [], directory_role_eligible: [], credential: [] };
  const label = (r: (typeof rows)[number]) => (r.kind === 'credential' ? `${r.k}@${Date.parse(r.end!)}` : r.k);
  for (const r of rows.filter((r) => r.certainty === 'held')) held[r.kind].push(label(r));
  for (const kind of Object.keys(held) as Kind[]) held[kind].sort();
  return { held, possibly: sorted(rows.filter((r) => r.certainty !== 'held').map((r) => `${r.kind}:${label(r)}`)) };
}

async function syncAndCapture(): Promise<Run> {
  const { summary } = await harness.sync();
  return { syncRunId: summary.syncRunId, committedAt: await committedAt(summary.syncRunId), truth: groundTruth(), globalAdministrators: globalAdministrators() };
}

/** A run's commit time to the microsecond, as PostgreSQL keeps it (a JS Date would round it down). */
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const iso = (column: string) => `to_char(${column} at time zone 'UTC', ${ISO})`;
async function committedAt(syncRunId: number): Promise<string> {
  const [row] = await harness.query<{ at: string }>(`select ${iso('finished_at')} as at from sync_runs where id = $1`, [syncRunId]);
  return row!.at;
}
const shifted = (at: string, ms: number) => new Date(Date.parse(at) + ms).toISOString();

/** Who holds Global Administrator in the tenant now, directly or as a direct member of an assigned group. */
const globalAdministrators = () =>
  sorted(
    roleMemberships(sim.tenant)
      .filter((m) => m.roleDefinitionId === GLOBAL_ADMINISTRATOR)
      .map((m) => `${m.principalId}/${m.grantedVia}/${m.viaGroupId ?? ''}/${m.directoryScopeId}`),
  );

async function expectHistoryMatches(run: Run): Promise<void> {
  const { held, possibly } = await historyAt(run.committedAt);
  expect(held, `history as of run ${run.syncRunId}`).toEqual(run.truth);
  // At a commit every interval is either seen or not: no uncertainty left.
  expect(possibly, `uncertain intervals at run ${run.syncRunId}`).toEqual([]);
}

/** The changes history attributes to a run, as "added kind:key" / "removed kind:key". */
async function changesOf(syncRunId: number): Promise<string[]> {
  const rows = await harness.query<{ c: string }>(
    `select change || ' ' || kind || ':' || array_to_string(key, '/') as c from relationship_changes where connector_id = $1 and run_id = $2`,
    [harness.connectorId, syncRunId],
  );
  return sorted(rows.map((r) => r.c));
}

/** The difference between two ground truths, in the same words. */
function truthDiff(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  const strip = (kind: Kind, k: string) => (kind === 'credential' ? k.replace(/@.*$/, '') : k);
  for (const kind of Object.keys(after) as Kind[]) {
    const was = new Set(before[kind]);
    const now = new Set(after[kind]);
    for (const k of after[kind]) if (!was.has(k)) out.push(`added ${kind}:${strip(kind, k)}`);
    for (const k of before[kind]) if (!now.has(k)) out.push(`removed ${kind}:${strip(kind, k)}`);
  }
  return sorted(out);
}

const intervalCount = async () => (await harness.query<{ n: number }>('select count(*)::int as n from relationship_history where connector_id = $1', [harness.connectorId]))[0]!.n;

useSyncFixture({ seed: 73, users: 150, pageSize: 40 }, (started) => ({ sim, harness } = started));

describe('relationship history: who held what, when', () => {
  const runs: Run[] = [];

  it('a first run opens what the tenant holds, as held since before history began', async () => {
    runs.push(await syncAndCapture());
    await expectHistoryMatches(runs[0]!);
    const [row] = await harness.query<{ n: number; unknown_start: number }>(
      `select count(*)::int as n, count(*) filter (where opened_after_run_id is null)::int as unknown_start from relationship_history where connector_id = $1`,
      [harness.connectorId],
    );
    expect(row!.n).toBeGreaterThan(0);
    expect(row!.unknown_start).toBe(row!.n);
    // Before the first commit nothing is certain.
    const before = await historyAt(shifted(runs[0]!.committedAt, -60_000));
    expect(Object.values(before.held).flat()).toEqual([]);
  });

  it('records every change between two runs once, at the run that saw it, and keeps the past', async () => {
    const t = sim.tenant;
    const users = t.activeUsers();
    const [group, doomedGroup] = t.activeObjects('groups').filter((g) => t.memberships.sortedMembersOf(g.id).length > 1);
    const [app] = t.activeObjects('applications');
    const sp = t.activeObjects('servicePrincipals').find((s) => t.activeOwnersOf(s.id).length > 0)!;
    const newcomer = users.find((u) => !t.memberships.sortedMembersOf(group!.id).includes(u.id))!;
    t.addGroupMember(group!.id, newcomer.id);
    t.removeGroupMember(group!.id, t.memberships.sortedMembersOf(group!.id)[0]!);
    t.softDeleteObject('groups', doomedGroup!.id); // its memberships end with it
    const departed = users.find((u) => u.id !== newcomer.id && t.activeOwnersOf(sp.id).includes(u.id)) ?? users.at(-1)!;
    t.softDeleteUser(departed.id); // every membership, ownership and role of a deleted user ends
    const owner = users.find((u) => u.id !== departed.id && !t.activeOwnersOf(app!.id).includes(u.id))!;
    t.addOwner(app!.id, owner.id);
    const exOwner = t.activeOwnersOf(sp.id)[0];
    if (exOwner) t.removeOwner(sp.id, exOwner);
    t.assignAppRole({ resourceId: sp.id, principalId: newcomer.id });
    const [droppedAssignment] = t.activeAppRoleAssignmentsOf(sp.id).filter((a) => a.principalId !== newcomer.id);
    if (droppedAssignment) t.removeAppRoleAssignment(droppedAssignment.id);
    t.assignDirectoryRole({ principalId: owner.id, roleDefinitionId: GLOBAL_ADMINISTRATOR });
    t.addRoleEligibility({ principalId: newcomer.id, roleDefinitionId: GLOBAL_ADMINISTRATOR });
    const [lapsed] = t.currentRoleEligibilities();
    if (lapsed) t.removeRoleEligibility(lapsed.id);
    const newOwner = users.find((u) => u.id !== departed.id && !t.groupOwnersOf(group!.id).includes(u.id))!;
    t.addGroupOwner(group!.id, newOwner.id);
    const [ownedGroup] = t.activeObjects('groups').filter((g) => g.id !== doomedGroup!.id && g.id !== group!.id && t.groupOwnersOf(g.id).length > 0);
    t.removeGroupOwner(ownedGroup!.id, t.groupOwnersOf(ownedGroup!.id)[0]!);
    t.removeDirectoryRoleAssignment(t.activeRoleAssignments().find((r) => r.principalId !== owner.id)!.id);
    const secret = t.addPasswordCredential(app!.id, { displayName: 'rotated' });
    // The same key id with a new end date: a new version of the credential's interval.
    const certificateOwner = t.activeObjects('applications').find((a) => a.keyCredentials.length > 0)!;
    const [certificate, ...otherCertificates] = certificateOwner.keyCredentials;
    t.updateObject('applications', certificateOwner.id, { keyCredentials: [{ ...certificate!, endDateTime: '2031-06-30T00:00:00Z' }, ...otherCertificates] });

    runs.push(await syncAndCapture());
    const [first, second] = runs as [Run, Run];

    await expectHistoryMatches(second);
    await expectHistoryMatches(first); // the past is still what it was
    expect(await changesOf(second.syncRunId)).toEqual(truthDiff(first.truth, second.truth));
    const renewed = `credential:application/${certificateOwner.id}/${certificate!.keyId}`;
    expect(await changesOf(second.syncRunId)).toEqual(expect.arrayContaining([`added ${renewed}`, `removed ${renewed}`, `added app_owner:application/${app!.id}/${owner.id}`, `added group_owner:${group!.id}/${newOwner.id}`, `added directory_role_eligible:${newcomer.id}/${GLOBAL_ADMINISTRATOR}///`]));
    expect(truthDiff(first.truth, second.truth).length).toBeGreaterThanOrEqual(10);

    // "When did X become owner of app Y": after the first commit, by the second.
    const [owned] = await harness.query<{ valid_from: string; valid_from_earliest: string; valid_to: string | null }>(
      `select ${iso('valid_from')} as valid_from, ${iso('valid_from_earliest')} as valid_from_earliest, valid_to from relationship_intervals
        where connector_id = $1 and kind = 'app_owner' and holder_id = $2 and target_id = $3`,
      [harness.connectorId, owner.id, app!.id],
    );
    expect(owned).toEqual({ valid_from: second.committedAt, valid_from_earliest: first.committedAt, valid_to: null });

    // Between the two commits, what changed is only "possibly" held: history does not pretend to know when.
    const midway = shifted(first.committedAt, (Date.parse(second.committedAt) - Date.parse(first.committedAt)) / 2);
    const between = await historyAt(midway);
    const unchanged = (kind: Kind) => first.truth[kind].filter((k) => second.truth[kind].includes(k));
    for (const kind of Object.keys(between.held) as Kind[]) expect(between.held[kind], kind).toEqual(unchanged(kind));
    const changed = (kind: Kind, k: string) => !(first.truth[kind].includes(k) && second.truth[kind].includes(k));
    const expectedPossibly = (Object.keys(first.truth) as Kind[]).flatMap((kind) =>
      [...new Set([...first.truth[kind], ...second.truth[kind]])].filter((k) => changed(kind, k)).map((k) => `${kind}:${k}`),
    );
    expect(between.possibly).toEqual(sorted(expectedPossibly));
    expect(between.possibly).toContain(`credential:application/${app!.id}/${secret.keyId}@${Date.parse(secret.endDateTime)}`);
  });

  it('answers "who held Global Administrator" at each run, through role-assignable groups too, as the tenant did', async () => {
    for (const run of runs) {
      const holders = await harness.query<{ k: string }>(
        `select principal_id || '/' || granted_via || '/' || coalesce(via_group_id, '') || '/' || directory_scope_id as k
           from directory_role_holders_on($1, $2) where role_name = 'Global Administrator' and certainty = 'held'`,
        [harness.connectorId, run.committedAt],
      );
      expect(sorted(holders.map((h) => h.k)), `Global Administrators at run ${run.syncRunId}`).toEqual(run.globalAdministrators);
    }
  });

  it('a forced bootstrap of every stream with nothing changed records nothing', async () => {
    const before = await intervalCount();
    sim.deltaTokens.expireAll();

    const run = await syncAndCapture();

    const [streams] = await harness.query<{ n: number }>(`select count(*)::int as n from sync_run_streams where run_id = $1 and mode = 'bootstrap'`, [run.syncRunId]);
    expect(streams!.n).toBeGreaterThanOrEqual(4);
    expect(await changesOf(run.syncRunId)).toEqual([]);
    expect(await intervalCount()).toBe(before);
    await expectHistoryMatches(run);
    runs.push(run);
  });

  it('a change made while the reset round is being read is recorded once', async () => {
    const t = sim.tenant;
    const group = t.activeObjects('groups').find((g) => g.securityEnabled)!;
    const joiner = t.activeUsers().find((u) => !t.memberships.sortedMembersOf(group.id).includes(u.id))!;
    sim.deltaTokens.resetAll();
    // Hold the new groups round's first page; change the tenant meanwhile.
    const hold = sim.faults.add({ kind: 'hold', pathPrefix: '/v1.0/groups/delta', nth: 2 });
    const running = harness.sync();
    await until(() => sim.faults.list().some((f) => f.id === hold.id && f.fired > 0), 'the groups round');
    t.addGroupMember(group.id, joiner.id);
    sim.faults.remove(hold.id);
    const { summary } = await running;
    // The round may or may not have read the change: whatever it missed, the next run sees.
    const settled = await syncAndCapture();

    const joined = `added group_member:${group.id}/${joiner.id}`;
    expect([...(await changesOf(summary.syncRunId)), ...(await changesOf(settled.syncRunId))]).toEqual([joined]);
    const [streams] = await harness.query<{ n: number }>(`select count(*)::int as n from sync_run_streams where run_id = $1 and mode = 'bootstrap'`, [summary.syncRunId]);
    expect(streams!.n).toBeGreaterThanOrEqual(4);
    await expectHistoryMatches(settled);
    runs.push(settled);
  });

  it('a principal that is a tombstone in our copy holds nothing, even while a live table still lists it', async () => {
    // Deterministic, whatever Graph reports with a deletion: tombstone a user in the database
    // only, and let a finalize's history step run on that state (rolled back afterwards).
    const t = sim.tenant;
    const user = t.activeUsers().find((u) => directMemberships(t).some((m) => m.memberId === u.id) && ownerships(t).some((o) => o.ownerId === u.id))!;
    const expected = sorted([
      ...directMemberships(t).filter((m) => m.memberId === user.id).map((m) => `removed group_member:${m.groupId}/${m.memberId}`),
      ...ownerships(t).filter((o) => o.ownerId === user.id).map((o) => `removed app_owner:${o.objectType}/${o.objectId}/${o.ownerId}`),
      ...appRoleAssignments(t).filter((a) => a.principalId === user.id).map((a) => `removed app_role_assignment:${a.principalId}/${a.resourceId}/${a.appRoleId}`),
      ...roleAssignments(t).filter((r) => r.principalId === user.id).map((r) => `removed directory_role:${r.principalId}/${r.roleDefinitionId}/${r.directoryScopeId}/${r.appScopeId ?? ''}`),
      ...groupOwnerships(t).filter((o) => o.ownerId === user.id).map((o) => `removed group_owner:${o.groupId}/${o.ownerId}`),
      ...t.currentRoleEligibilities().filter((e) => e.principalId === user.id).map((e) => `removed directory_role_eligible:${e.principalId}/${e.roleDefinitionId}/${e.directoryScopeId}/${e.appScopeId ?? ''}`),
    ]);
    const client = await harness.db.connect();
    try {
      await client.query('begin');
      const [run] = (await client.query<{ id: string }>(`insert into sync_runs (connector_id, workflow_id, workflow_run_id) values ($1, 'tombstone-check', 'r') returning id`, [harness.connectorId])).rows;
      await client.query(`update users set deleted_at = now(), deletion_kind = 'soft_deleted' where connector_id = $1 and id = $2`, [harness.connectorId, user.id]);
      await recordHistory(client, harness.connectorId, Number(run!.id));
      const { rows } = await client.query<{ c: string }>(
        `select 'removed ' || kind || ':' || array_to_string(key, '/') as c from relationship_history where connector_id = $1 and closed_run_id = $2
         union all select 'added ' || kind || ':' || array_to_string(key, '/') from relationship_history where connector_id = $1 and opened_run_id = $2`,
        [harness.connectorId, run!.id],
      );
      expect(sorted(rows.map((r) => r.c))).toEqual(expected);
    } finally {
      await client.query('rollback');
      client.release();
    }
  });

  it('survives a data reset of the same tenant, recording only what changed meanwhile; a change of tenant drops it', async () => {
    const t = sim.tenant;
    const before = await intervalCount();
    const previous = runs.at(-1)!;
    await inTransaction(harness.db, (tx) => resetConnectorData(tx, harness.connectorId));
    expect(await intervalCount()).toBe(before);
    const app = t.activeObjects('applications')[1]!;
    const secret = t.addPasswordCredential(app.id, { displayName: 'after reset' });

    const run = await syncAndCapture();

    expect(await changesOf(run.syncRunId)).toEqual([`added credential:application/${app.id}/${secret.keyId}`]);
    await expectHistoryMatches(run);
    const [opened] = await harness.query<{ opened_after_run_id: string }>(
      `select opened_after_run_id from relationship_history where connector_id = $1 and opened_run_id = $2`,
      [harness.connectorId, run.syncRunId],
    );
    expect(Number(opened!.opened_after_run_id)).toBe(previous.syncRunId);
    for (const earlier of runs) await expectHistoryMatches(earlier);

    // Pointed at another tenant, the connector's history of this one goes with its data.
    const deleted = await inTransaction(harness.db, async (tx) => {
      await tx.query(`update connectors set tenant_id = $2 where id = $1`, [harness.connectorId, '00000000-0000-4000-8000-00000000beef']);
      return resetConnectorData(tx, harness.connectorId);
    });
    expect(deleted.relationship_history).toBe(before + 1);
    expect(await intervalCount()).toBe(0);
  });
});

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
