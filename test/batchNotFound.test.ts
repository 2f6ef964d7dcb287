import { describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../simulator/server';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

// Graph documents replication delay: a read soon after a change, inside $batch too, can answer
// 404 for an object that exists (docs/graph-behaviour.md, "JSON batching"). One 404 is a maybe.

let sim: RunningSimulator;
let harness: SyncHarness;

const sorted = (items: string[]) => [...items].sort();
const ownersOf = async (id: string) =>
  sorted((await harness.query<{ owner_id: string }>('select owner_id from owners where connector_id = $1 and object_id = $2', [harness.connectorId, id])).map((r) => r.owner_id));
const assignmentsOf = async (id: string) =>
  sorted((await harness.query<{ id: string }>('select id from app_role_assignments where connector_id = $1 and resource_id = $2', [harness.connectorId, id])).map((r) => r.id));
const ownerless = async (id: string) =>
  (await harness.query('select 1 from ownerless_apps where connector_id = $1 and id = $2', [harness.connectorId, id])).length > 0;
const objectReads = (id: string) => sim.requestLog.entries().filter((e) => e.method === 'GET' && e.path.startsWith(`/v1.0/servicePrincipals/${id}?`));

async function until(condition: () => boolean, what: string, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** An audit-logged owner change, so the next run reconciles the object (docs/inventory.md). */
function addLoggedOwner(id: string): void {
  const owners = sim.tenant.activeOwnersOf(id);
  sim.tenant.addOwner(id, sim.tenant.activeObjects('users').find((u) => !owners.includes(u.id))!.id);
}

useSyncFixture({ seed: 71, users: 150, pageSize: 50 }, (started) => ({ sim, harness } = started));

describe('a 404 inside $batch', () => {
  it('is confirmed before it is believed: a transient one keeps the owners and assignments of a live service principal', async () => {
    await harness.sync();
    const sp = sim.tenant.activeObjects('servicePrincipals').find((s) => sim.tenant.activeOwnersOf(s.id).length > 0 && sim.tenant.activeAppRoleAssignmentsOf(s.id).length > 0)!;
    expect(await ownersOf(sp.id)).toEqual(sorted(sim.tenant.activeOwnersOf(sp.id)));
    addLoggedOwner(sp.id);
    sim.requestLog.clear();
    // Both sub-requests of this service principal answer 404 once, as a lagging replica would.
    sim.faults.add({ pathPrefix: `/v1.0/servicePrincipals/${sp.id}/owners`, status: 404, code: 'Request_ResourceNotFound', message: `Resource '${sp.id}' does not exist.` });
    sim.faults.add({ pathPrefix: `/v1.0/servicePrincipals/${sp.id}/appRoleAssignedTo`, status: 404, code: 'Request_ResourceNotFound', message: `Resource '${sp.id}' does not exist.` });

    const { summary } = await harness.sync();

    expect(await ownersOf(sp.id)).toEqual(sorted(sim.tenant.activeOwnersOf(sp.id)));
    expect(await assignmentsOf(sp.id)).toEqual(sorted(sim.tenant.activeAppRoleAssignmentsOf(sp.id).map((a) => a.id)));
    expect(await ownerless(sp.id)).toBe(false);
    expect(objectReads(sp.id).map((e) => e.status)).toEqual([200]); // the direct read that found it alive
    // Every request the reconciliation sent is counted by its streams, the confirming read included.
    const log = sim.requestLog.entries();
    const sent = log.filter((e) => (e.method === 'POST' && e.path.startsWith('/v1.0/$batch')) || (e.method === 'GET' && /^\/v1\.0\/(applications|servicePrincipals)\/(?!delta\b)[^/?]+(\/(owners|appRoleAssignedTo))?(\?|$)/.test(e.path)));
    // PIM for Groups sends batches of its own, counted to its stream with its list GETs.
    const groupPimGets = log.filter((e) => e.method === 'GET' && /^\/v1\.0\/(groups\?|identityGovernance\/privilegedAccess\/group\/)/.test(e.path));
    expect(summary.streams.owners!.requests + summary.streams.appRoleAssignments!.requests + summary.streams.groupPimSchedules!.requests).toBe(sent.length + groupPimGets.length);
  });

  it('marks a service principal gone only when a direct read confirms the deletion', async () => {
    const sp = sim.tenant.activeObjects('servicePrincipals').find((s) => sim.tenant.activeOwnersOf(s.id).length > 0)!;
    addLoggedOwner(sp.id);
    sim.requestLog.clear();
    // With no role-assignable group, PIM for Groups sends no batch: the first one is the reconciliation's.
    for (const group of sim.tenant.activeObjects('groups').filter((g) => g.isAssignableToRole)) sim.tenant.updateObject('groups', group.id, { isAssignableToRole: false });
    // Hold the first batch of the reconciliation, delete the service principal meanwhile: deleted
    // after the delta pull read it, as happens between the two in a live tenant.
    const hold = sim.faults.add({ kind: 'hold', pathPrefix: '/v1.0/$batch', method: 'POST' });
    const run = harness.sync();
    await until(() => sim.faults.list().some((f) => f.id === hold.id && f.fired > 0), 'the first $batch');
    sim.tenant.hardDeleteObject('servicePrincipals', sp.id);
    sim.faults.remove(hold.id);

    await run;

    expect(await ownersOf(sp.id)).toEqual([]);
    expect(await assignmentsOf(sp.id)).toEqual([]);
    expect(objectReads(sp.id).map((e) => e.status)).toEqual([404]); // the direct read that confirmed it
  });
});
