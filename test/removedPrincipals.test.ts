import { describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../simulator/server';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

// Reconciliation runs beside the users and groups pulls (docs/inventory.md): it can read an app's
// owners, or a service principal's assignments, before the same run's delta removes the principal.
// The committed inventory must not keep rows of a principal that run removed.

let sim: RunningSimulator;
let harness: SyncHarness;

const rows = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => harness.query<T>(sql, [harness.connectorId, ...params]);

async function until(condition: () => Promise<boolean> | boolean, what: string, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

useSyncFixture({ seed: 83, users: 150, pageSize: 50 }, (started) => ({ sim, harness } = started));

describe('a principal removed by the run that read it', () => {
  it('leaves no owner or app role assignment row behind, and its app shows as ownerless', async () => {
    const t = sim.tenant;
    await harness.sync();

    // App X owned by user U alone; each change is audit-logged, so the next run reads X.
    const app = t.activeObjects('applications').find((a) => t.activeOwnersOf(a.id).some((o) => t.objectKind(o) === 'user'))!;
    const owner = t.activeOwnersOf(app.id).find((o) => t.objectKind(o) === 'user')!;
    for (const other of t.activeOwnersOf(app.id).filter((o) => o !== owner)) t.removeOwner(app.id, other);
    // A service principal with a user's and a group's assignment, both principals about to go.
    const sp = t.activeObjects('servicePrincipals').find((s) => t.activeOwnersOf(s.id).length > 0)!;
    const user = t.activeObjects('users').find((u) => u.id !== owner)!;
    const group = t.activeObjects('groups')[0]!;
    const userAssignment = t.assignAppRole({ resourceId: sp.id, principalId: user.id });
    const groupAssignment = t.assignAppRole({ resourceId: sp.id, principalId: group.id });

    // The users and groups pulls wait; reconciliation reads X and the service principal meanwhile.
    const holds = ['/v1.0/users/delta', '/v1.0/groups/delta'].map((pathPrefix) => sim.faults.add({ kind: 'hold', pathPrefix }));
    const run = await harness.startSync();
    const read = async () =>
      (await rows(`select 1 from reconcile_targets t join sync_runs r on r.id = t.run_id where r.connector_id = $1 and r.status = 'running' and t.object_id = any($2) and t.done`, [[app.id, sp.id]])).length === 2;
    await until(read, 'reconciliation to read the app and the service principal');
    await until(() => holds.every((h) => sim.faults.list().some((f) => f.id === h.id && f.fired > 0)), 'the users and groups pulls to wait');
    t.softDeleteObject('users', owner);
    t.softDeleteObject('users', user.id);
    t.softDeleteObject('groups', group.id);
    for (const h of holds) sim.faults.remove(h.id);
    await run.result();

    expect(await rows('select owner_id from owners where connector_id = $1 and owner_id = $2', [owner])).toEqual([]);
    expect(await rows(`select 1 from ownerless_apps where connector_id = $1 and id = $2`, [app.id])).toHaveLength(1);
    expect(await rows('select id from app_role_assignments where connector_id = $1 and id = any($2)', [[userAssignment.id, groupAssignment.id]])).toEqual([]);
    // Ground truth agrees: Graph no longer lists them.
    expect(t.activeOwnersOf(app.id)).toEqual([]);
    expect(t.activeAppRoleAssignmentsOf(sp.id).map((a) => a.id)).not.toContain(userAssignment.id);
  });
});
