import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { directMemberships } from '../simulator/tenant/groundTruth';
import type { RunningSimulator } from '../simulator/server';
import { deltaRound, graphClientFor, graphFailure, rawGraph, start, type DeltaEntry } from './simulatorHelpers';

type MemberChange = { '@odata.type': string; id: string; '@removed'?: { reason: string } };

const membersOf = (entry: DeltaEntry) => (entry['members@delta'] as MemberChange[] | undefined) ?? [];

describe('groups delta with members@delta', () => {
  let sim: RunningSimulator;
  let client: Client;
  beforeAll(async () => {
    sim = await start({ users: 400, seed: 21, pageSize: 10 });
    client = graphClientFor(sim);
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    Object.assign(sim.deltaSettings, { pageSize: 10, duplicates: false, membersPerEntry: 100, changedPropertiesOnly: false, removedInInitialRound: false });
  });

  it('splits a large group over several entries and pages; merged, they equal the direct memberships', async () => {
    const [group] = sim.tenant.activeObjects('groups');
    const device = sim.tenant.addSyntheticObject('device');
    const contact = sim.tenant.addSyntheticObject('orgContact');
    const servicePrincipal = sim.tenant.activeObjects('servicePrincipals')[0]!;
    const nested = sim.tenant.activeObjects('groups').find((g) => !g.isAssignableToRole && g.id !== group!.id)!;
    const plain = sim.tenant.createGroup({ displayName: 'Mixed members' });
    for (const id of [device, contact, servicePrincipal.id, nested.id]) sim.tenant.addGroupMember(plain.id, id);

    const round = await deltaRound(client, '/groups/delta?$select=displayName,groupTypes,members');
    const merged = new Map<string, Set<string>>();
    const entriesPerGroup = new Map<string, number>();
    const types = new Set<string>();
    for (const entry of round.entries) {
      entriesPerGroup.set(entry.id, (entriesPerGroup.get(entry.id) ?? 0) + 1);
      const set = merged.get(entry.id) ?? new Set<string>();
      for (const member of membersOf(entry)) {
        expect(member['@removed']).toBeUndefined();
        types.add(member['@odata.type']);
        set.add(member.id);
      }
      merged.set(entry.id, set);
    }
    const truth = new Map<string, Set<string>>(sim.tenant.activeObjects('groups').map((g) => [g.id, new Set<string>()]));
    for (const membership of directMemberships(sim.tenant)) truth.get(membership.groupId)?.add(membership.memberId);
    expect(merged).toEqual(truth);
    expect(types).toEqual(
      new Set(['#microsoft.graph.user', '#microsoft.graph.group', '#microsoft.graph.servicePrincipal', '#microsoft.graph.device', '#microsoft.graph.orgContact']),
    );

    // "All Employees" (group 0 of the generator) holds every member user: over 100 → several entries.
    const allEmployees = sim.tenant.activeObjects('groups').find((g) => g.displayName === 'All Employees')!;
    const size = sim.tenant.memberships.membersOf(allEmployees.id).size;
    expect(entriesPerGroup.get(allEmployees.id)).toBe(Math.ceil(size / 100));
    const pagesHoldingIt = round.pages.filter((page) => page.value.some((entry) => entry.id === allEmployees.id));
    expect(pagesHoldingIt.length).toBeGreaterThanOrEqual(1);
    const pieces = round.entries.filter((entry) => entry.id === allEmployees.id);
    expect(pieces[0]).toMatchObject({ displayName: 'All Employees', groupTypes: ['DynamicMembership'] });
    for (const piece of pieces.slice(1)) expect(Object.keys(piece).sort()).toEqual(['id', 'members@delta']);
    expect(Math.max(...round.pages.map((page) => page.value.length))).toBeLessThanOrEqual(10);
  });

  it('cuts member lists mid-group across pages when the page fills', async () => {
    sim.deltaSettings.membersPerEntry = 7;
    sim.deltaSettings.pageSize = 3;
    const round = await deltaRound(client, '/groups/delta?$select=members');
    const allEmployees = sim.tenant.activeObjects('groups').find((g) => g.displayName === 'All Employees')!;
    const pages = round.pages.filter((page) => page.value.some((entry) => entry.id === allEmployees.id));
    expect(pages.length).toBeGreaterThan(2);
    const ids = round.entries.filter((entry) => entry.id === allEmployees.id).flatMap((entry) => membersOf(entry).map((m) => m.id));
    expect(ids).toEqual([...sim.tenant.memberships.sortedMembersOf(allEmployees.id)]);
  });

  it('reports membership changes in the next round as id + members@delta, removals with @removed deleted', async () => {
    const initial = await deltaRound(client, '/groups/delta?$select=displayName,members');
    const group = sim.tenant.activeObjects('groups').find((g) => !g.isAssignableToRole && sim.tenant.memberships.membersOf(g.id).size > 1)!;
    const leaving = [...sim.tenant.memberships.membersOf(group.id)].find((id) => sim.tenant.objectKind(id) === 'user')!;
    const joining = sim.tenant.activeUsers().find((user) => !sim.tenant.memberships.has(group.id, user.id))!;
    sim.tenant.removeGroupMember(group.id, leaving);
    sim.tenant.addGroupMember(group.id, joining.id);

    const next = await deltaRound(client, initial.deltaLink);
    expect(next.entries).toHaveLength(1);
    const [entry] = next.entries;
    expect(Object.keys(entry!).sort()).toEqual(['id', 'members@delta']);
    expect(entry!.id).toBe(group.id);
    expect(new Set(membersOf(entry!))).toEqual(
      new Set([
        { '@odata.type': '#microsoft.graph.user', id: leaving, '@removed': { reason: 'deleted' } },
        { '@odata.type': '#microsoft.graph.user', id: joining.id },
      ]),
    );

    // A soft-deleted member leaves its groups; restored, it comes back.
    sim.tenant.softDeleteUser(joining.id);
    const afterDelete = await deltaRound(client, next.deltaLink);
    expect(afterDelete.entries.find((e) => e.id === group.id)).toEqual({
      id: group.id,
      'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: joining.id, '@removed': { reason: 'deleted' } }],
    });
    sim.tenant.restoreUser(joining.id);
    const afterRestore = await deltaRound(client, afterDelete.deltaLink);
    expect(afterRestore.entries.find((e) => e.id === group.id)).toEqual({
      id: group.id,
      'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: joining.id }],
    });
  });

  it('raises records only for selected properties; without members selected, memberships stay silent', async () => {
    const initial = await deltaRound(client, '/groups/delta?$select=displayName');
    const [a, b] = sim.tenant.activeObjects('groups').filter((g) => !g.isAssignableToRole);
    sim.tenant.updateObject('groups', a!.id, { description: 'not selected' });
    const user = sim.tenant.activeUsers().find((u) => !sim.tenant.memberships.has(b!.id, u.id))!;
    sim.tenant.addGroupMember(b!.id, user.id);
    expect((await deltaRound(client, initial.deltaLink)).entries).toEqual([]);
  });

  it('gives a restored group its full member list plus removals, and a new group all its members', async () => {
    const initial = await deltaRound(client, '/groups/delta?$select=displayName,members');
    const group = sim.tenant.createGroup({ displayName: 'Fresh' });
    const users = sim.tenant.activeUsers().slice(0, 3);
    for (const user of users) sim.tenant.addGroupMember(group.id, user.id);
    sim.tenant.removeGroupMember(group.id, users[2]!.id);
    const next = await deltaRound(client, initial.deltaLink);
    const entry = next.entries.find((e) => e.id === group.id)!;
    expect(entry.displayName).toBe('Fresh');
    expect(membersOf(entry).filter((m) => !m['@removed']).map((m) => m.id).sort()).toEqual([users[0]!.id, users[1]!.id].sort());

    sim.tenant.softDeleteObject('groups', group.id);
    const removed = await deltaRound(client, next.deltaLink);
    expect(removed.entries).toContainEqual({ id: group.id, '@removed': { reason: 'changed' } });
    sim.tenant.restoreObject('groups', group.id);
    const restored = await deltaRound(client, removed.deltaLink);
    const back = restored.entries.find((e) => e.id === group.id)!;
    expect(back.displayName).toBe('Fresh');
    expect(membersOf(back).filter((m) => !m['@removed']).map((m) => m.id).sort()).toEqual([users[0]!.id, users[1]!.id].sort());
  });

  it('accepts $filter=id eq … (up to 50 ids) and keeps tracking only those ids', async () => {
    const [a, b, c] = sim.tenant.activeObjects('groups');
    const filter = `id eq '${a!.id}' or id eq '${b!.id}'`;
    const round = await deltaRound(client, `/groups/delta?$select=displayName&$filter=${encodeURIComponent(filter)}`);
    expect(new Set(round.entries.map((e) => e.id))).toEqual(new Set([a!.id, b!.id]));
    sim.tenant.updateObject('groups', a!.id, { displayName: 'Filtered A' });
    sim.tenant.updateObject('groups', c!.id, { displayName: 'Not tracked' });
    expect((await deltaRound(client, round.deltaLink)).entries).toEqual([{ displayName: 'Filtered A', id: a!.id }]);

    const tooMany = Array.from({ length: 51 }, (_, i) => `id eq '${`${i}`.padStart(8, '0')}-0000-4000-8000-000000000000'`).join(' or ');
    const error = await graphFailure(client.api(`/groups/delta?$filter=${encodeURIComponent(tooMany)}`).get());
    expect(error.statusCode).toBe(400);
    const other = await graphFailure(client.api(`/groups/delta?$filter=${encodeURIComponent("displayName eq 'x'")}`).get());
    expect(other.statusCode).toBe(400);
    expect((await graphFailure(client.api('/groups/delta').top(5).get())).code).toBe('Request_UnsupportedQuery');
    expect((await graphFailure(client.api('/groups/delta').expand('members').get())).code).toBe('Request_UnsupportedQuery');
  });

  it('lists deleted groups as @removed in the initial round when asked to', async () => {
    const doomed = sim.tenant.createGroup({ displayName: 'Doomed' });
    sim.tenant.softDeleteObject('groups', doomed.id);
    sim.deltaSettings.removedInInitialRound = true;
    const round = await deltaRound(client, '/groups/delta?$select=displayName');
    expect(round.entries).toContainEqual({ id: doomed.id, '@removed': { reason: 'changed' } });
    sim.deltaSettings.removedInInitialRound = false;
    expect((await deltaRound(client, '/groups/delta?$select=displayName')).entries.map((e) => e.id)).not.toContain(doomed.id);
  });
});

describe('applications and servicePrincipals delta', () => {
  let sim: RunningSimulator;
  let client: Client;
  beforeAll(async () => {
    sim = await start({ users: 300, seed: 22, pageSize: 25 });
    client = graphClientFor(sim);
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    Object.assign(sim.deltaSettings, { pageSize: 25, duplicates: false, changedPropertiesOnly: false, removedInInitialRound: false });
  });

  it('serves every app registration with its credentials and reports credential changes', async () => {
    const select = 'displayName,appId,passwordCredentials,keyCredentials,signInAudience,verifiedPublisher,appRoles,requiredResourceAccess,createdDateTime';
    const round = await deltaRound(client, `/applications/delta?$select=${select}`);
    expect(round.entries.map((e) => e.id).sort()).toEqual(sim.tenant.activeObjects('applications').map((a) => a.id).sort());
    const withSecret = round.entries.find((e) => (e.passwordCredentials as unknown[]).length > 0)!;
    expect((withSecret.passwordCredentials as Array<Record<string, unknown>>)[0]).toEqual({
      customKeyIdentifier: null,
      displayName: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'),
      endDateTime: expect.stringMatching(/Z$/),
      hint: expect.stringMatching(/^.{3}$/),
      keyId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      secretText: null,
      startDateTime: expect.stringMatching(/Z$/),
    });

    const app = sim.tenant.activeObjects('applications')[3]!;
    const secret = sim.tenant.addPasswordCredential(app.id, { displayName: 'rotated' });
    const next = await deltaRound(client, round.deltaLink);
    expect(next.entries).toHaveLength(1);
    expect((next.entries[0]!.passwordCredentials as Array<{ keyId: string }>).map((c) => c.keyId)).toContain(secret.keyId);
    expect(next.entries[0]!.passwordCredentials).not.toContainEqual(expect.objectContaining({ secretText: expect.any(String) }));

    // Not selected: a credential change raises nothing for a displayName-only cursor.
    const namesOnly = await deltaRound(client, '/applications/delta?$select=displayName');
    sim.tenant.removeCredential(app.id, secret.keyId);
    expect((await deltaRound(client, namesOnly.deltaLink)).entries).toEqual([]);
  });

  it('sends only changed properties when that mode is on', async () => {
    sim.deltaSettings.changedPropertiesOnly = true;
    const round = await deltaRound(client, '/servicePrincipals/delta?$select=displayName,accountEnabled,appRoleAssignmentRequired,tags');
    const sp = sim.tenant.activeObjects('servicePrincipals').find((s) => s.accountEnabled)!;
    sim.tenant.updateObject('servicePrincipals', sp.id, { accountEnabled: false });
    expect((await deltaRound(client, round.deltaLink)).entries).toEqual([{ accountEnabled: false, id: sp.id }]);
  });

  it('reports soft and hard deletes of service principals, first-party ones included', async () => {
    const round = await deltaRound(client, '/servicePrincipals/delta?$select=displayName,appId,appOwnerOrganizationId,servicePrincipalType');
    const graph = round.entries.find((e) => e.appId === '00000003-0000-0000-c000-000000000000')!;
    expect(graph).toMatchObject({ displayName: 'Microsoft Graph', appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a', servicePrincipalType: 'Application' });
    const [soft, hard] = sim.tenant.activeObjects('servicePrincipals').filter((s) => s.appOwnerOrganizationId === sim.config.tenantId).slice(1);
    sim.tenant.softDeleteObject('servicePrincipals', soft!.id);
    sim.tenant.hardDeleteObject('servicePrincipals', hard!.id);
    const next = await deltaRound(client, round.deltaLink);
    expect(new Set(next.entries)).toEqual(
      new Set([
        { id: soft!.id, '@removed': { reason: 'changed' } },
        { id: hard!.id, '@removed': { reason: 'deleted' } },
      ]),
    );
  });

  it('expires and resets one stream at a time: 400 syncStateNotFound, 410 with Location', async () => {
    const apps = await deltaRound(client, '/applications/delta?$select=displayName');
    const sps = await deltaRound(client, '/servicePrincipals/delta?$select=displayName,tags');
    const users = await deltaRound(client, '/users/delta?$select=displayName');

    sim.deltaTokens.resetAll('servicePrincipals');
    const gone = await graphFailure(client.api(sps.deltaLink).get());
    expect(gone.statusCode).toBe(410);
    expect(gone.headers?.get('location')).toBe(`${sim.config.graphBaseUrl}/servicePrincipals/delta?$select=displayName,tags`);
    // As Microsoft documents it: a request URL with an empty $deltaToken, without the client's $select.
    sim.deltaSettings.bareResyncLocation = true;
    const bare = await graphFailure(client.api(sps.deltaLink).get());
    sim.deltaSettings.bareResyncLocation = false;
    expect(bare.statusCode).toBe(410);
    const location = bare.headers?.get('location');
    expect(location).toBe(`${sim.config.graphBaseUrl}/servicePrincipals/delta?$deltatoken=`);
    // Followed as given, it is an initial round of the default properties, not the ones selected.
    const followed = (await client.api(location!).get()) as { value: Array<Record<string, unknown>> };
    expect(followed.value.length).toBeGreaterThan(0);
    expect(Object.keys(followed.value[0]!)).toContain('servicePrincipalNames');
    await deltaRound(client, apps.deltaLink);

    sim.deltaTokens.expireAll('applications');
    const expired = await graphFailure(client.api(apps.deltaLink).get());
    expect(expired.statusCode).toBe(400);
    expect(expired.code).toBe('syncStateNotFound');
    expect((await deltaRound(client, users.deltaLink)).entries).toEqual([]);
  });

  it('needs Application.Read.All (or Directory.Read.All) for both streams', async () => {
    for (const path of ['/applications/delta', '/servicePrincipals/delta']) {
      expect((await rawGraph(sim, path, { roles: ['User.Read.All'] })).status).toBe(403);
      expect((await rawGraph(sim, path, { roles: ['Directory.Read.All'] })).status).toBe(200);
    }
    expect((await rawGraph(sim, '/groups/delta', { roles: ['GroupMember.Read.All'] })).status).toBe(200);
    expect((await rawGraph(sim, '/groups/delta', { roles: ['Application.Read.All'] })).status).toBe(403);
  });
});
