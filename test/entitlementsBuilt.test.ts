import { describe, expect, it } from 'vitest';
import { effectiveEntitlements } from '../simulator/tenant/groundTruth';
import type { RunningSimulator } from '../simulator/server';
import { until, untilHeld } from '../reliability/waits';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

let sim: RunningSimulator;
let harness: SyncHarness;
const sorted = (items: string[]) => [...items].sort();
const USERS_DELTA = '/v1.0/users/delta';

useSyncFixture({ seed: 43, users: 300, pageSize: 50 }, (started) => ({ sim, harness } = started));

/**
 * A connector's first bootstrap builds its entitlements once reconciliation and the groups pull are
 * done, while the users round still runs (docs/bootstrap-swap.md). A user the round then does not
 * list as live (deleted after the round's snapshot) still had memberships and an assignment when
 * the build read them: finalize must take that user's rows out. The expected rows are the
 * simulator's ground truth.
 */
describe("a first bootstrap's entitlements, built before the users round ended", () => {
  it('equal the ground truth when a user with direct and group entitlements is deleted during the users round', async () => {
    const t = sim.tenant;
    const users = t.activeObjects('users');
    const [member, leaver] = [users[0]!, users.at(-1)!];
    const group = t.createGroup({ displayName: 'Built access', securityEnabled: true });
    t.addGroupMember(group.id, member.id);
    t.addGroupMember(group.id, leaver.id);
    const app = t.activeObjects('servicePrincipals')[0]!;
    const viaGroup = t.assignAppRole({ resourceId: app.id, principalId: group.id });
    const direct = t.assignAppRole({ resourceId: app.id, principalId: leaver.id });

    // The users round waits at its second page (the leaver is on a later one) until the build is done.
    const held = sim.faults.add({ pathPrefix: USERS_DELTA, kind: 'hold', nth: 2 });
    let built: Array<{ principal_id: string; assignment_id: string }> = [];
    const handle = await harness.startSync();
    try {
      await untilHeld(sim, held.id);
      built = await until('the entitlements built', async () => {
        const [table] = await harness.query<{ name: string | null }>(
          `select 'connector_partitions.' || quote_ident(next_partition_name('effective_entitlements', r.id)) as name
             from sync_runs r where r.connector_id = $1 and connector_partition_exists(next_partition_name('effective_entitlements', r.id))`,
          [harness.connectorId],
        );
        if (!table?.name) return undefined;
        return harness.query<{ principal_id: string; assignment_id: string }>(`select principal_id, assignment_id from ${table.name} where principal_id = $1`, [leaver.id]);
      });
      t.softDeleteObject('users', leaver.id);
    } finally {
      sim.faults.remove(held.id);
    }
    const summary = await handle.result();

    // The build saw the leaver as live: both rows were there for finalize to take out.
    expect(built.map((r) => r.assignment_id)).toEqual(expect.arrayContaining([viaGroup.id, direct.id]));
    const [run] = await harness.query<{ built: string[] }>('select built_tables as built from sync_runs where id = $1', [summary.syncRunId]);
    expect(run!.built).toContain('effective_entitlements');
    const stored = await harness.query<{ k: string }>(
      `select principal_id || '/' || principal_type || '/' || resource_id || '/' || app_role_id || '/' || assignment_id || '/' || granted_via || '/' || via_group_id as k
         from effective_entitlements where connector_id = $1`,
      [harness.connectorId],
    );
    const truth = effectiveEntitlements(t).map((e) => `${e.principalId}/${e.principalType}/${e.resourceId}/${e.appRoleId}/${e.assignmentId}/${e.grantedVia}/${e.viaGroupId ?? ''}`);
    expect(truth.some((k) => k.startsWith(`${member.id}/User/`) && k.includes(viaGroup.id))).toBe(true);
    expect(truth.some((k) => k.startsWith(`${leaver.id}/`))).toBe(false);
    expect(sorted(stored.map((r) => r.k))).toEqual(sorted(truth));
    expect(summary.streams.entitlements).toMatchObject({ mode: 'full', upserted: truth.length, removed: 0 });
  });
});
