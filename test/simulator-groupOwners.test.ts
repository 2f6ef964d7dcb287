import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateTenant } from '../simulator/generate/generator';
import { groupOwnerships } from '../simulator/tenant/groundTruth';
import type { RunningSimulator } from '../simulator/server';
import { control, deltaRound, graphClientFor, rawGraph, start, type DeltaEntry } from './simulatorHelpers';

// Group owners in the groups delta, as Microsoft documents it (docs/graph-behaviour.md, "Group
// owners"): selecting `owners` reports them as `owners@delta`, shaped like `members@delta`.

type LinkChange = { '@odata.type': string; id: string; '@removed'?: { reason: string } };

const ownersOf = (entry: DeltaEntry) => (entry['owners@delta'] as LinkChange[] | undefined) ?? [];
const USER = '#microsoft.graph.user';
const SERVICE_PRINCIPAL = '#microsoft.graph.servicePrincipal';

/** Group id → owner ids, merged over every entry of a round. */
function mergedOwners(entries: DeltaEntry[]): Map<string, Set<string>> {
  const merged = new Map<string, Set<string>>();
  for (const entry of entries) {
    const set = merged.get(entry.id) ?? new Set<string>();
    for (const owner of ownersOf(entry)) {
      if (owner['@removed']) set.delete(owner.id);
      else set.add(owner.id);
    }
    if (set.size > 0) merged.set(entry.id, set);
  }
  return merged;
}

function truthOwners(sim: RunningSimulator): Map<string, Set<string>> {
  const truth = new Map<string, Set<string>>();
  for (const o of groupOwnerships(sim.tenant)) truth.set(o.groupId, (truth.get(o.groupId) ?? new Set()).add(o.ownerId));
  return truth;
}

describe('groups delta with owners@delta', () => {
  let sim: RunningSimulator;
  let client: Client;
  beforeAll(async () => {
    sim = await start({ users: 300, seed: 23, pageSize: 10 });
    client = graphClientFor(sim);
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    Object.assign(sim.deltaSettings, { pageSize: 10, duplicates: false, membersPerEntry: 100, changedPropertiesOnly: false, removedInInitialRound: false });
  });

  it('generated tenants have group owners, users and service principals, the same for the same seed', () => {
    const truth = groupOwnerships(sim.tenant);
    expect(truth.some((o) => o.ownerType === 'user')).toBe(true);
    expect(truth.some((o) => o.ownerType === 'servicePrincipal')).toBe(true);
    const again = generateTenant({ seed: 23, users: 300, anchorTime: new Date(Date.UTC(2026, 0, 15)) });
    const other = generateTenant({ seed: 23, users: 300, anchorTime: new Date(Date.UTC(2026, 0, 15)) });
    expect([...again.groupOwners]).toEqual([...other.groupOwners]);
    expect(again.groupOwners.size).toBeGreaterThan(0);
  });

  it('reports owners only when $select names them; merged, they equal the ground truth', async () => {
    const withoutOwners = await deltaRound(client, '/groups/delta?$select=displayName,members');
    expect(withoutOwners.entries.some((entry) => 'owners@delta' in entry)).toBe(false);

    const round = await deltaRound(client, '/groups/delta?$select=displayName,members,owners');
    expect(mergedOwners(round.entries)).toEqual(truthOwners(sim));
    const types = new Set(round.entries.flatMap((entry) => ownersOf(entry).map((o) => o['@odata.type'])));
    expect(types).toEqual(new Set([USER, SERVICE_PRINCIPAL]));
    for (const owner of round.entries.flatMap(ownersOf)) expect(Object.keys(owner).sort()).toEqual(['@odata.type', 'id']);
  });

  it('owners follow members in the same entries: a small entry size spreads them over several entries and pages', async () => {
    const group = sim.tenant.createGroup({ displayName: 'Many owners', securityEnabled: true });
    const users = sim.tenant.activeUsers().slice(0, 9);
    for (const user of users.slice(0, 4)) sim.tenant.addGroupMember(group.id, user.id);
    for (const user of users.slice(4)) sim.tenant.addGroupOwner(group.id, user.id);
    sim.deltaSettings.membersPerEntry = 3;
    sim.deltaSettings.pageSize = 2;

    const round = await deltaRound(client, `/groups/delta?$select=displayName,members,owners&$filter=id eq '${group.id}'`);

    const pieces = round.entries.filter((entry) => entry.id === group.id);
    // 4 members + 5 owners at 3 a piece: members, members+owners, owners.
    expect(pieces.map((p) => [((p['members@delta'] as unknown[] | undefined) ?? []).length, ownersOf(p).length])).toEqual([
      [3, 0],
      [1, 2],
      [0, 3],
    ]);
    expect(round.pages.length).toBeGreaterThan(1);
    expect(pieces.flatMap((p) => ownersOf(p).map((o) => o.id))).toEqual([...sim.tenant.groupOwnersOf(group.id)]);
    for (const piece of pieces.slice(1)) expect(piece.displayName).toBeUndefined();
  });

  it('an owner added or removed between rounds raises the group in the next round as id + owners@delta', async () => {
    const initial = await deltaRound(client, '/groups/delta?$select=displayName,members,owners');
    const group = sim.tenant.activeObjects('groups').find((g) => sim.tenant.groupOwnersOf(g.id).length > 0 && !g.onPremisesSyncEnabled)!;
    const leaving = sim.tenant.groupOwnersOf(group.id)[0]!;
    const joining = sim.tenant.activeObjects('servicePrincipals').find((sp) => !sim.tenant.groupOwnersOf(group.id).includes(sp.id))!;
    sim.tenant.removeGroupOwner(group.id, leaving);
    sim.tenant.addGroupOwner(group.id, joining.id);

    const next = await deltaRound(client, initial.deltaLink);
    expect(next.entries).toHaveLength(1);
    const [entry] = next.entries;
    expect(Object.keys(entry!).sort()).toEqual(['id', 'owners@delta']);
    expect(new Set(ownersOf(entry!))).toEqual(
      new Set([
        { '@odata.type': sim.tenant.objectKind(leaving) === 'user' ? USER : SERVICE_PRINCIPAL, id: leaving, '@removed': { reason: 'deleted' } },
        { '@odata.type': SERVICE_PRINCIPAL, id: joining.id },
      ]),
    );

    // An owner soft-deleted leaves its groups' owners, and comes back when restored, as members do.
    sim.tenant.softDeleteObject('servicePrincipals', joining.id);
    const afterDelete = await deltaRound(client, next.deltaLink);
    expect(afterDelete.entries.find((e) => e.id === group.id)).toEqual({
      id: group.id,
      'owners@delta': [{ '@odata.type': SERVICE_PRINCIPAL, id: joining.id, '@removed': { reason: 'deleted' } }],
    });
    sim.tenant.restoreObject('servicePrincipals', joining.id);
    const afterRestore = await deltaRound(client, afterDelete.deltaLink);
    expect(mergedOwners(afterRestore.entries).get(group.id)).toEqual(new Set([joining.id]));
  });

  it('the control API adds and removes group owners, refuses what Entra refuses, and serves the ground truth', async () => {
    const group = sim.tenant.createGroup({ displayName: 'Controlled owners' });
    const user = sim.tenant.activeUsers()[5]!;
    const otherGroup = sim.tenant.activeObjects('groups')[0]!;

    expect(await control(sim, 'POST', `/groups/${group.id}/owners`, { ownerId: user.id })).toMatchObject({ status: 204 });
    expect(await control(sim, 'GET', `/groups/${group.id}/owners`)).toEqual({ status: 200, body: [user.id] });
    expect((await control(sim, 'POST', `/groups/${group.id}/owners`, { ownerId: user.id })).status).toBe(409);
    expect((await control(sim, 'POST', `/groups/${group.id}/owners`, { ownerId: otherGroup.id })).status).toBe(404);
    const truth = (await control(sim, 'GET', '/truth/groupOwners')).body as Array<{ groupId: string; ownerId: string; ownerType: string }>;
    expect(truth).toContainEqual({ groupId: group.id, ownerId: user.id, ownerType: 'user' });
    expect(await control(sim, 'DELETE', `/groups/${group.id}/owners/${user.id}`)).toMatchObject({ status: 204 });
    expect((await control(sim, 'DELETE', `/groups/${group.id}/owners/${user.id}`)).status).toBe(409);
    expect(sim.tenant.groupOwnersOf(group.id)).toEqual([]);
  });

  it('the malformedMembersDelta fault can spoil owners@delta', async () => {
    sim.faults.add({ kind: 'malformedMembersDelta', pathPrefix: '/v1.0/groups/delta', collection: 'owners', malformation: 'memberWithoutId' });
    const { body } = await rawGraph(sim, '/groups/delta?$select=id,owners');
    sim.faults.clear();
    const spoilt = (body as { value: DeltaEntry[] }).value.flatMap(ownersOf).filter((o) => o.id === undefined);
    expect(spoilt).toHaveLength(1);
  });
});
