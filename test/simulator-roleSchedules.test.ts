import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_TEMPLATE_IDS } from '../simulator/model/directoryRoles';
import { roleAssignments } from '../simulator/tenant/groundTruth';
import type { RunningSimulator } from '../simulator/server';
import { control, graphClientFor, listAll, rawGraph, start, type GraphErrorBody } from './simulatorHelpers';

type Row = Record<string, unknown> & { id: string };
const ELIGIBLE = '/roleManagement/directory/roleEligibilityScheduleInstances';
const ACTIVE = '/roleManagement/directory/roleAssignmentScheduleInstances';
const DAY = 86_400_000;

describe('PIM schedule instances for directory roles', () => {
  let sim: RunningSimulator;
  let client: Client;
  beforeAll(async () => {
    sim = await start({ users: 300, seed: 17 });
    client = graphClientFor(sim);
  });
  afterAll(() => sim.close());

  it('pages eligibilities with nextLinks and lists exactly the tenant\'s current ones, with their principals', async () => {
    // Enough eligibilities for a second page (Graph pages directory collections by 100).
    const users = sim.tenant.activeUsers().filter((u) => u.userType === 'Member').slice(0, 130);
    for (const user of users) sim.tenant.addRoleEligibility({ principalId: user.id, roleDefinitionId: ROLE_TEMPLATE_IDS.globalReader });
    const { items, pages } = await listAll<Row>(client, `${ELIGIBLE}?$expand=principal`);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]!['@odata.nextLink']).toMatch(new RegExp(`^${sim.config.graphBaseUrl}${ELIGIBLE}\\?\\$expand=principal&\\$skiptoken=`));
    const truth = (control(sim, 'GET', '/roleEligibilities') as Promise<{ body: Row[] }>).then((r) => r.body.map((e) => e.id).sort());
    expect(items.map((e) => e.id).sort()).toEqual(await truth);
    const mine = items.find((e) => e.principalId === users[0]!.id)!;
    expect(mine).toMatchObject({ roleDefinitionId: ROLE_TEMPLATE_IDS.globalReader, directoryScopeId: '/', memberType: 'Direct', endDateTime: null });
    expect(mine.roleEligibilityScheduleId).toEqual(expect.any(String));
    expect(mine.principal).toMatchObject({ '@odata.type': '#microsoft.graph.user', id: users[0]!.id });
  });

  it('lists every active assignment with its window; a past end ends the assignment', async () => {
    const [first, second] = roleAssignments(sim.tenant);
    const end = new Date(Date.now() + 30 * DAY).toISOString();
    expect((await control(sim, 'PUT', `/roleAssignments/${encodeURIComponent(first!.id)}/schedule`, { endDateTime: end })).status).toBe(200);
    const { items } = await listAll<Row>(client, ACTIVE);
    expect(items.map((i) => i.roleAssignmentOriginId).sort()).toEqual(roleAssignments(sim.tenant).map((a) => a.id).sort());
    expect(items.find((i) => i.roleAssignmentOriginId === first!.id)).toMatchObject({ endDateTime: end, assignmentType: 'Assigned', memberType: 'Direct', principalId: first!.principalId });

    sim.tenant.scheduleActiveRole(second!.id, { startDateTime: new Date(Date.now() - 2 * DAY).toISOString(), endDateTime: new Date(Date.now() - DAY).toISOString() });
    const after = await listAll<Row>(client, ACTIVE);
    expect(after.items.map((i) => i.roleAssignmentOriginId)).not.toContain(second!.id);
    const assignments = await listAll<Row>(client, '/roleManagement/directory/roleAssignments');
    expect(assignments.items.map((a) => a.id)).not.toContain(second!.id);
  });

  it('filters on documented properties and refuses undocumented options', async () => {
    const target = sim.tenant.currentRoleEligibilities()[0]!;
    const { items } = await listAll<Row>(client, `${ELIGIBLE}?$filter=principalId eq '${target.principalId}'`);
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((e) => e.principalId === target.principalId)).toBe(true);
    const top = await rawGraph(sim, `${ELIGIBLE}?$top=5`);
    expect(top.status).toBe(400);
    const expand = await rawGraph(sim, `${ACTIVE}?$expand=owners`);
    expect([expand.status, (expand.body as GraphErrorBody).error.code]).toEqual([400, 'Request_BadRequest']);
  });

  it('requires the documented permissions: 403 Authorization_RequestDenied otherwise, Directory.Read.All included', async () => {
    for (const [path, least] of [[ELIGIBLE, 'RoleEligibilitySchedule.Read.Directory'], [ACTIVE, 'RoleAssignmentSchedule.Read.Directory']] as const) {
      const denied = await rawGraph(sim, path, { roles: ['Directory.Read.All', 'User.Read.All'] });
      expect([path, denied.status, (denied.body as GraphErrorBody).error.code]).toEqual([path, 403, 'Authorization_RequestDenied']);
      expect(JSON.stringify(denied.body)).not.toContain(sim.config.clientSecret);
      expect((await rawGraph(sim, path, { roles: [least] })).status).toBe(200);
      expect((await rawGraph(sim, path, { roles: ['RoleManagement.Read.Directory'] })).status).toBe(200);
    }
  });

  it('answers 400 AadPremiumLicenseRequired without Entra ID P2 or ID Governance, and again with it', async () => {
    expect((await control(sim, 'PUT', '/tenant/pim', { licensed: false })).body).toEqual({ licensed: false, available: false });
    for (const path of [ELIGIBLE, ACTIVE]) {
      const refused = await rawGraph(sim, path);
      expect([path, refused.status, (refused.body as GraphErrorBody).error.code]).toEqual([path, 400, 'AadPremiumLicenseRequired']);
      expect((refused.body as GraphErrorBody).error.innerError['request-id']).toEqual(expect.any(String));
    }
    // Still answered for the active assignments themselves: roleAssignments needs no P2.
    expect((await rawGraph(sim, '/roleManagement/directory/roleAssignments')).status).toBe(200);
    await control(sim, 'PUT', '/tenant/pim', { licensed: true });
    sim.tenant.setPremium(false);
    expect((await rawGraph(sim, ELIGIBLE)).status).toBe(400);
    sim.tenant.setPremium(true);
    expect((await rawGraph(sim, ELIGIBLE)).status).toBe(200);
  });

  it('generates eligibilities and time-bound assignments deterministically by seed', async () => {
    const other = await start({ users: 300, seed: 17 });
    try {
      const fresh = other.tenant.currentRoleEligibilities();
      expect(fresh.length).toBeGreaterThan(0);
      expect(fresh.some((e) => e.endDateTime !== null) && fresh.some((e) => e.endDateTime === null)).toBe(true);
      expect(fresh.some((e) => other.tenant.objectKind(e.principalId) === 'group')).toBe(true);
      expect(fresh.some((e) => e.directoryScopeId.startsWith('/administrativeUnits/'))).toBe(true);
      const windows = other.tenant.activeRoleSchedules();
      expect(windows.some((w) => w.endDateTime !== null)).toBe(true);
      const again = await start({ users: 300, seed: 17 });
      try {
        expect(again.tenant.currentRoleEligibilities()).toEqual(fresh);
        expect(again.tenant.activeRoleSchedules().map((w) => [w.id, w.endDateTime, w.assignmentType])).toEqual(windows.map((w) => [w.id, w.endDateTime, w.assignmentType]));
      } finally {
        await again.close();
      }
    } finally {
      await other.close();
    }
  });
});

describe('administrative units', () => {
  let sim: RunningSimulator;
  let client: Client;
  beforeAll(async () => {
    sim = await start({ users: 300, seed: 17 });
    client = graphClientFor(sim);
  });
  afterAll(() => sim.close());

  it('lists every unit that scopes a generated role, by id, with AdministrativeUnit.Read.All or Directory.Read.All only', async () => {
    const added = (await control(sim, 'POST', '/administrativeUnits', { displayName: 'Region Nordics' })).body as Row;
    const { items } = await listAll<Row>(client, '/directory/administrativeUnits');
    expect(items.map((u) => u.id).sort()).toEqual(sim.tenant.administrativeUnits.all().map((u) => u.id).sort());
    expect(items.find((u) => u.id === added.id)).toMatchObject({ '@odata.type': '#microsoft.graph.administrativeUnit', displayName: 'Region Nordics' });
    const scopes = roleAssignments(sim.tenant).flatMap((a) => (a.directoryScopeId.startsWith('/administrativeUnits/') ? [a.directoryScopeId.split('/')[2]] : []));
    expect(scopes.length).toBeGreaterThan(0);
    for (const id of scopes) expect(items.map((u) => u.id)).toContain(id);

    const denied = await rawGraph(sim, '/directory/administrativeUnits', { roles: ['RoleManagement.Read.Directory', 'User.Read.All'] });
    expect([denied.status, (denied.body as GraphErrorBody).error.code]).toEqual([403, 'Authorization_RequestDenied']);
    expect((await rawGraph(sim, '/directory/administrativeUnits', { roles: ['Directory.Read.All'] })).status).toBe(200);
    expect((await rawGraph(sim, '/directory/administrativeUnits?$top=1')).status).toBe(400);
  });
});

describe('PIM for Groups schedule instances', () => {
  let sim: RunningSimulator;
  const ELIGIBLE_GROUPS = '/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances';
  const ACTIVE_GROUPS = '/identityGovernance/privilegedAccess/group/assignmentScheduleInstances';
  const roles = ['PrivilegedEligibilitySchedule.Read.AzureADGroup', 'PrivilegedAssignmentSchedule.Read.AzureADGroup'];
  beforeAll(async () => {
    sim = await start({ users: 300, seed: 17 });
  });
  afterAll(() => sim.close());

  it('answers only requests scoped by groupId or principalId, in JSON batches too', async () => {
    const generated = sim.tenant.currentGroupPimSchedules();
    expect(generated.some((s) => s.kind === 'eligible') && generated.some((s) => s.kind === 'active' && s.endDateTime !== null)).toBe(true);
    const groupId = generated.find((s) => s.kind === 'eligible')!.groupId;
    for (const path of [ELIGIBLE_GROUPS, `${ELIGIBLE_GROUPS}?$filter=accessId eq 'member'`, `${ELIGIBLE_GROUPS}?$filter=groupId eq '${groupId}' or accessId eq 'owner'`, ACTIVE_GROUPS]) {
      const refused = await rawGraph(sim, path, { roles });
      expect([path, refused.status, (refused.body as GraphErrorBody).error.code]).toEqual([path, 400, 'BadRequest']);
    }
    const scoped = await rawGraph(sim, `${ELIGIBLE_GROUPS}?$filter=groupId eq '${groupId}'&$expand=principal`, { roles });
    expect(scoped.status).toBe(200);
    const rows = (scoped.body as { value: Row[] }).value;
    expect(rows.map((r) => r.id).sort()).toEqual(generated.filter((s) => s.kind === 'eligible' && s.groupId === groupId).map((s) => s.id).sort());
    expect(rows[0]).toMatchObject({ groupId, memberType: 'direct', eligibilityScheduleId: expect.any(String), principal: { id: rows[0]!.principalId } });

    const principalId = generated.find((s) => s.kind === 'active')!.principalId;
    const batch = await rawGraph(sim, '/$batch', {
      method: 'POST',
      roles,
      body: {
        requests: [
          { id: '1', method: 'GET', url: `${ACTIVE_GROUPS.slice(1)}?$filter=principalId eq '${principalId}'` },
          { id: '2', method: 'GET', url: ACTIVE_GROUPS.slice(1) },
        ],
      },
    });
    const answers = new Map((batch.body as { responses: Array<{ id: string; status: number; body: { value?: Row[] } }> }).responses.map((r) => [r.id, r]));
    expect(answers.get('2')!.status).toBe(400);
    expect(answers.get('1')!.status).toBe(200);
    expect(answers.get('1')!.body.value!.map((r) => r.id).sort()).toEqual(
      generated.filter((s) => s.kind === 'active' && s.principalId === principalId).map((s) => s.id).sort(),
    );
  });

  it('requires the PIM for Groups permissions and the P2 / ID Governance licence', async () => {
    const groupId = sim.tenant.currentGroupPimSchedules()[0]!.groupId;
    const path = `${ELIGIBLE_GROUPS}?$filter=groupId eq '${groupId}'`;
    const denied = await rawGraph(sim, path, { roles: ['Directory.Read.All', 'RoleManagement.Read.Directory', 'PrivilegedAssignmentSchedule.Read.AzureADGroup'] });
    expect([denied.status, (denied.body as GraphErrorBody).error.code]).toEqual([403, 'Authorization_RequestDenied']);
    sim.tenant.setPimLicensed(false);
    try {
      const refused = await rawGraph(sim, path, { roles });
      expect([refused.status, (refused.body as GraphErrorBody).error.code]).toEqual([400, 'AadPremiumLicenseRequired']);
    } finally {
      sim.tenant.setPimLicensed(true);
    }
  });

  it('an active membership is a membership; one that ended is listed no more', async () => {
    const group = sim.tenant.activeObjects('groups').find((g) => g.isAssignableToRole)!;
    const user = sim.tenant.activeUsers().find((u) => u.userType === 'Member' && !sim.tenant.memberships.sortedMembersOf(group.id).includes(u.id))!;
    const added = (await control(sim, 'POST', '/groupPimSchedules', { kind: 'active', groupId: group.id, principalId: user.id, accessId: 'member', endDateTime: new Date(Date.now() + DAY).toISOString() })).body as Row;
    expect(sim.tenant.memberships.sortedMembersOf(group.id)).toContain(user.id);
    const listed = await rawGraph(sim, `${ACTIVE_GROUPS}?$filter=groupId eq '${group.id}'`, { roles });
    expect((listed.body as { value: Row[] }).value.map((r) => r.id)).toContain(added.id);
    sim.tenant.addGroupPimSchedule({ kind: 'eligible', groupId: group.id, principalId: user.id, accessId: 'owner', startDateTime: new Date(Date.now() - 2 * DAY).toISOString(), endDateTime: new Date(Date.now() - DAY).toISOString() });
    const eligible = await rawGraph(sim, `${ELIGIBLE_GROUPS}?$filter=principalId eq '${user.id}'`, { roles });
    expect((eligible.body as { value: Row[] }).value).toEqual([]);
  });
});
