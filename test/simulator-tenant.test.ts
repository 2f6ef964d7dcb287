import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MICROSOFT_GRAPH_APP_ID } from '../simulator/generate/appCatalog';
import { ROLE_TEMPLATE_IDS } from '../simulator/model/directoryRoles';
import { createGeneratedTenantStore, generateTenant, type GeneratedTenant } from '../simulator/generate/generator';
import { credentials, directMemberships, effectiveEntitlements, roleMemberships } from '../simulator/tenant/groundTruth';
import type { RunningSimulator } from '../simulator/server';
import { MICROSOFT_TENANT_ID } from '../simulator/model/servicePrincipalResource';
import { TenantStore } from '../simulator/tenant/tenantStore';
import { control, start } from './simulatorHelpers';

const ANCHOR = new Date(Date.UTC(2026, 1, 1));
const DAY = 86_400_000;

describe('tenant generator: the whole directory model', () => {
  let tenant: GeneratedTenant;
  beforeAll(() => {
    tenant = generateTenant({ seed: 5, users: 20_000, anchorTime: ANCHOR });
  });

  it('is deterministic for a seed and anchor', () => {
    const small = generateTenant({ seed: 5, users: 300, anchorTime: ANCHOR });
    expect(generateTenant({ seed: 5, users: 300, anchorTime: ANCHOR })).toEqual(small);
    expect(generateTenant({ seed: 6, users: 300, anchorTime: ANCHOR }).groups[0]?.id).not.toBe(small.groups[0]?.id);
  });

  it('sizes groups, apps and service principals in proportion to users', () => {
    expect(tenant.groups).toHaveLength(2000);
    expect(tenant.applications).toHaveLength(400);
    const firstParty = tenant.servicePrincipals.filter((sp) => sp.appOwnerOrganizationId === MICROSOFT_TENANT_ID);
    const foreign = tenant.servicePrincipals.filter((sp) => sp.appOwnerOrganizationId !== tenant.identity.tenantId);
    expect(firstParty.length).toBeGreaterThanOrEqual(5);
    expect(firstParty.map((sp) => sp.appId)).toContain(MICROSOFT_GRAPH_APP_ID);
    expect(tenant.servicePrincipals.length).toBeGreaterThanOrEqual(tenant.applications.length * 0.9 + foreign.length);
    const registered = new Set(tenant.applications.map((app) => app.appId));
    expect(foreign.every((sp) => !registered.has(sp.appId))).toBe(true);
    const small = generateTenant({ seed: 5, users: 10, anchorTime: ANCHOR });
    expect(small.applications.length).toBeGreaterThanOrEqual(5);
    expect(small.groups.length).toBeGreaterThanOrEqual(5);
  });

  it('makes every kind of group, nested groups and heavy-tailed sizes (one above 10,000 members)', () => {
    const sizes = tenant.groups.map((group) => tenant.memberships.get(group.id)?.length ?? 0).sort((a, b) => a - b);
    expect(sizes[sizes.length - 1]).toBeGreaterThan(10_000);
    expect(sizes[Math.floor(sizes.length / 2)]).toBeLessThan(20);
    const has = (test: (g: GeneratedTenant['groups'][number]) => boolean) => tenant.groups.some(test);
    expect(has((g) => g.securityEnabled && !g.mailEnabled && g.groupTypes.length === 0)).toBe(true);
    expect(has((g) => g.groupTypes.includes('Unified'))).toBe(true);
    expect(has((g) => g.mailEnabled && g.securityEnabled)).toBe(true);
    expect(has((g) => g.mailEnabled && !g.securityEnabled && !g.groupTypes.includes('Unified'))).toBe(true);
    expect(has((g) => g.isAssignableToRole === true)).toBe(true);
    expect(has((g) => g.groupTypes.includes('DynamicMembership') && typeof g.membershipRule === 'string')).toBe(true);

    const kinds = new Map<string, string>();
    for (const user of tenant.users) kinds.set(user.id, 'user');
    for (const group of tenant.groups) kinds.set(group.id, 'group');
    for (const sp of tenant.servicePrincipals) kinds.set(sp.id, 'servicePrincipal');
    for (const [id, kind] of tenant.syntheticObjects) kinds.set(id, kind);
    const memberKinds = new Set([...tenant.memberships.values()].flat().map((id) => kinds.get(id)));
    expect(memberKinds).toEqual(new Set(['user', 'group', 'servicePrincipal', 'device', 'orgContact']));
    for (const group of tenant.groups.filter((g) => g.isAssignableToRole)) {
      for (const member of tenant.memberships.get(group.id) ?? []) expect(['user', 'servicePrincipal']).toContain(kinds.get(member));
    }
  });

  it('gives apps secrets and certificates that are expired, expiring within 30 days, or valid', () => {
    const all = tenant.applications.flatMap((app) => [...app.passwordCredentials, ...app.keyCredentials]);
    const ends = all.map((credential) => Date.parse(credential.endDateTime) - ANCHOR.getTime());
    expect(ends.some((end) => end <= 0)).toBe(true);
    expect(ends.some((end) => end > 0 && end <= 30 * DAY)).toBe(true);
    expect(ends.some((end) => end > 30 * DAY)).toBe(true);
    for (const credential of all) expect(Date.parse(credential.startDateTime)).toBeLessThan(Date.parse(credential.endDateTime));
    const certificate = tenant.applications.flatMap((app) => app.keyCredentials)[0]!;
    expect(certificate).toMatchObject({ type: 'AsymmetricX509Cert', usage: 'Verify', key: null, customKeyIdentifier: expect.any(String) });
    const app = tenant.applications[5]!;
    expect(Object.keys(app)).toEqual(expect.arrayContaining(['appId', 'displayName', 'signInAudience', 'publisherDomain', 'verifiedPublisher', 'appRoles', 'requiredResourceAccess', 'createdDateTime']));
    const sp = tenant.servicePrincipals.find((s) => s.appRoles.length > 0)!;
    expect(Object.keys(sp.appRoles[0]!)).toEqual(expect.arrayContaining(['id', 'value', 'displayName', 'allowedMemberTypes', 'isEnabled']));
    expect(tenant.servicePrincipals.some((s) => s.appRoleAssignmentRequired)).toBe(true);
  });

  it('has owners (none for some, over 20 for some), assignments of every principal type and scoped roles', () => {
    const appOwnerCounts = tenant.applications.map((app) => tenant.owners.get(app.id)?.length ?? 0);
    expect(appOwnerCounts.some((n) => n === 0)).toBe(true);
    expect(appOwnerCounts.some((n) => n > 20)).toBe(true);
    const spIds = new Set(tenant.servicePrincipals.map((sp) => sp.id));
    expect([...tenant.owners.values()].flat().some((id) => spIds.has(id))).toBe(true);

    expect(new Set(tenant.appRoleAssignments.map((a) => a.principalType))).toEqual(new Set(['User', 'Group', 'ServicePrincipal']));
    expect(tenant.appRoleAssignments.some((a) => a.appRoleId === '00000000-0000-0000-0000-000000000000')).toBe(true);

    const principals = new Map<string, string>([
      ...tenant.users.map((u) => [u.id, 'user'] as const),
      ...tenant.groups.map((g) => [g.id, 'group'] as const),
      ...tenant.servicePrincipals.map((s) => [s.id, 'servicePrincipal'] as const),
    ]);
    expect(new Set(tenant.roleAssignments.map((a) => principals.get(a.principalId)))).toEqual(new Set(['user', 'group', 'servicePrincipal']));
    expect(tenant.roleAssignments.filter((a) => a.roleDefinitionId === ROLE_TEMPLATE_IDS.globalAdministrator).length).toBeGreaterThan(0);
    const scopes = tenant.roleAssignments.map((a) => a.directoryScopeId);
    expect(scopes).toContain('/');
    expect(scopes.some((s) => s.startsWith('/administrativeUnits/'))).toBe(true);
    expect(scopes.some((s) => tenant.applications.some((app) => s === `/${app.id}`))).toBe(true);
    expect(new Set(tenant.roleAssignments.map((a) => a.appScopeId))).toEqual(new Set(['/', null]));
  });

  it('keeps 30 days of audits and sign-ins ending at the anchor, and grants of both consent types', () => {
    for (const audit of tenant.directoryAudits) {
      const time = Date.parse(audit.activityDateTime);
      expect(time).toBeLessThanOrEqual(ANCHOR.getTime());
      expect(time).toBeGreaterThan(ANCHOR.getTime() - 30 * DAY);
    }
    const removal = tenant.directoryAudits.find((a) => a.activityDisplayName === 'Remove service principal credentials')!;
    expect(removal.targetResources[0]?.type).toBe('ServicePrincipal');
    expect(removal.targetResources[0]?.modifiedProperties[0]?.oldValue).toMatch(/^\["\[KeyIdentifier=[0-9a-f-]{36},KeyType=Password,KeyUsage=Verify,DisplayName=.*\]"\]$/);
    expect(tenant.directoryAudits.some((a) => a.initiatedBy.app !== null)).toBe(true);
    expect(tenant.directoryAudits.some((a) => a.initiatedBy.user !== null)).toBe(true);
    expect(tenant.signIns.length).toBeGreaterThan(1000);
    expect(tenant.signIns.every((s) => Date.parse(s.createdDateTime) > ANCHOR.getTime() - 30 * DAY)).toBe(true);
    expect(new Set(tenant.permissionGrants.map((g) => g.consentType))).toEqual(new Set(['AllPrincipals', 'Principal']));
    expect(tenant.premium).toBe(true);
  });
});

describe('ground truth', () => {
  it('computes effective entitlements from direct and direct-group assignments, never nested groups', () => {
    const store = new TenantStore({ tenantId: '0f0f0f0f-0000-4000-8000-000000000000', domain: 'truth.onmicrosoft.com', displayName: 'Truth' }, { seed: 1 });
    const [alice, bob, carol] = ['Alice', 'Bob', 'Carol'].map((name) => store.createUser({ displayName: name }));
    const app = store.createServicePrincipal({
      displayName: 'Payroll',
      appRoleAssignmentRequired: true,
      appRoles: [{ id: '1a2b3c4d-0000-4000-8000-000000000001', value: 'Payroll.Admin', displayName: 'Admin', description: 'Admin', allowedMemberTypes: ['User'], isEnabled: true, origin: 'Application' }],
    });
    const daemon = store.createServicePrincipal({ displayName: 'Daemon' });
    const team = store.createGroup({ displayName: 'Team' });
    const inner = store.createGroup({ displayName: 'Inner' });
    store.addGroupMember(team.id, alice!.id);
    store.addGroupMember(team.id, inner.id);
    store.addGroupMember(inner.id, bob!.id);
    const viaGroup = store.assignAppRole({ resourceId: app.id, principalId: team.id });
    const direct = store.assignAppRole({ resourceId: app.id, principalId: carol!.id, appRoleId: '1a2b3c4d-0000-4000-8000-000000000001' });
    const service = store.assignAppRole({ resourceId: app.id, principalId: daemon.id });

    expect(effectiveEntitlements(store).map(({ principalId, grantedVia, viaGroupId, assignmentId }) => ({ principalId, grantedVia, viaGroupId, assignmentId }))).toEqual(
      expect.arrayContaining([
        { principalId: alice!.id, grantedVia: 'group', viaGroupId: team.id, assignmentId: viaGroup.id },
        { principalId: carol!.id, grantedVia: 'direct', viaGroupId: null, assignmentId: direct.id },
        { principalId: daemon.id, grantedVia: 'direct', viaGroupId: null, assignmentId: service.id },
      ]),
    );
    expect(effectiveEntitlements(store)).toHaveLength(3);
    expect(effectiveEntitlements(store).some((e) => e.principalId === bob!.id)).toBe(false);

    // A soft-deleted member loses its path; restored, it gets it back.
    store.softDeleteUser(alice!.id);
    expect(effectiveEntitlements(store).some((e) => e.principalId === alice!.id)).toBe(false);
    store.restoreUser(alice!.id);
    expect(effectiveEntitlements(store).some((e) => e.principalId === alice!.id)).toBe(true);
    expect(directMemberships(store)).toContainEqual({ groupId: team.id, memberId: inner.id, memberType: 'group' });
  });

  it('lists directory role holders with scope, through role-assignable groups by direct members only', () => {
    const { store } = createGeneratedTenantStore({ seed: 3, users: 200, anchorTime: ANCHOR });
    const admins = store.createGroup({ displayName: 'Admins', isAssignableToRole: true, securityEnabled: true });
    const plain = store.createGroup({ displayName: 'Plain' });
    const [user] = store.activeUsers();
    store.addGroupMember(admins.id, user!.id);
    expect(() => store.addGroupMember(admins.id, plain.id)).toThrow(/only users and service principals/);
    expect(() => store.assignDirectoryRole({ principalId: plain.id, roleDefinitionId: ROLE_TEMPLATE_IDS.globalReader })).toThrow(/role-assignable/);
    const assignment = store.assignDirectoryRole({ principalId: admins.id, roleDefinitionId: ROLE_TEMPLATE_IDS.userAdministrator, directoryScopeId: '/administrativeUnits/5a5a5a5a-0000-4000-8000-000000000000' });
    const holders = roleMemberships(store).filter((m) => m.assignmentId === assignment.id);
    expect(holders).toEqual([
      expect.objectContaining({ principalId: admins.id, principalType: 'Group', grantedVia: 'direct', roleDisplayName: 'User Administrator' }),
      expect.objectContaining({ principalId: user!.id, principalType: 'User', grantedVia: 'group', viaGroupId: admins.id, directoryScopeId: '/administrativeUnits/5a5a5a5a-0000-4000-8000-000000000000' }),
    ]);
    const statuses = new Set(credentials(store, ANCHOR).map((c) => c.status));
    expect(statuses).toEqual(new Set(['expired', 'expiringSoon', 'valid']));
  });
});

describe('control API for the directory model', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await start({ users: 120, seed: 51 });
  });
  afterAll(() => sim.close());

  it('creates, changes, deletes and restores groups, apps and service principals with their relationships', async () => {
    const group = (await control(sim, 'POST', '/groups', { displayName: 'Via control', groupTypes: ['Unified'] })) as { status: number; body: { id: string; mailEnabled: boolean } };
    expect(group.status).toBe(201);
    expect(group.body.mailEnabled).toBe(true);
    const [user, other] = sim.tenant.activeUsers();
    expect((await control(sim, 'POST', `/groups/${group.body.id}/members`, { memberId: user!.id })).status).toBe(204);
    expect((await control(sim, 'POST', `/groups/${group.body.id}/members`, { memberId: user!.id })).status).toBe(409);
    expect((await control(sim, 'GET', `/groups/${group.body.id}/members`)).body).toEqual([user!.id]);
    expect((await control(sim, 'DELETE', `/groups/${group.body.id}/members/${user!.id}`)).status).toBe(204);
    expect((await control(sim, 'PATCH', `/groups/${group.body.id}`, { description: 'changed' })).status).toBe(200);
    expect((await control(sim, 'PATCH', `/groups/${group.body.id}`, { isAssignableToRole: true })).status).toBe(400);
    expect((await control(sim, 'POST', `/groups/${group.body.id}/soft-delete`)).status).toBe(200);
    expect((await control(sim, 'GET', `/groups/${group.body.id}`)).body).toMatchObject({ state: 'softDeleted' });
    expect((await control(sim, 'POST', `/groups/${group.body.id}/restore`)).status).toBe(200);
    const device = (await control(sim, 'POST', '/syntheticObjects', { kind: 'device' })).body as { id: string };
    expect((await control(sim, 'POST', `/groups/${group.body.id}/members`, { memberId: device.id })).status).toBe(204);

    const app = (await control(sim, 'POST', '/applications', { displayName: 'Control App', appRoles: [{ allowedMemberTypes: ['User'], description: 'r', displayName: 'Reader', id: '0a0a0a0a-0000-4000-8000-000000000001', isEnabled: true, value: 'Reader' }] })).body as { id: string; appId: string };
    const sp = (await control(sim, 'POST', '/servicePrincipals', { appId: app.appId })).body as { id: string; displayName: string; appRoles: unknown[]; appOwnerOrganizationId: string };
    expect(sp).toMatchObject({ displayName: 'Control App', appOwnerOrganizationId: sim.config.tenantId });
    expect(sp.appRoles).toHaveLength(1);

    const secret = (await control(sim, 'POST', `/applications/${app.id}/passwordCredentials`, { displayName: 'ci', actorUserId: other!.id })) as { status: number; body: { keyId: string; secretText: string; hint: string } };
    expect(secret.status).toBe(201);
    expect(secret.body.secretText.slice(0, 3)).toBe(secret.body.hint);
    const certificate = (await control(sim, 'POST', `/servicePrincipals/${sp.id}/keyCredentials`, {})).body as { keyId: string; usage: string };
    expect(certificate.usage).toBe('Verify');
    expect((await control(sim, 'DELETE', `/servicePrincipals/${sp.id}/credentials/${certificate.keyId}`)).status).toBe(204);
    const [latestAudit] = sim.tenant.directoryAudits.newestFirst();
    expect(latestAudit?.activityDisplayName).toBe('Remove service principal credentials');
    const appAudit = [...sim.tenant.directoryAudits.newestFirst()].find((a) => a.targetResources[0]?.id === app.id && a.activityDisplayName.startsWith('Update application'))!;
    expect(appAudit.initiatedBy.user?.id).toBe(other!.id);

    expect((await control(sim, 'POST', `/applications/${app.id}/owners`, { ownerId: user!.id })).status).toBe(204);
    expect((await control(sim, 'GET', `/applications/${app.id}/owners`)).body).toEqual([user!.id]);
    expect((await control(sim, 'DELETE', `/applications/${app.id}/owners/${user!.id}`)).status).toBe(204);

    const assignment = (await control(sim, 'POST', `/servicePrincipals/${sp.id}/appRoleAssignedTo`, { principalId: group.body.id, appRoleId: '0a0a0a0a-0000-4000-8000-000000000001' })) as { status: number; body: { id: string; principalType: string } };
    expect(assignment).toMatchObject({ status: 201, body: { principalType: 'Group' } });
    expect((await control(sim, 'POST', `/servicePrincipals/${sp.id}/appRoleAssignedTo`, { principalId: user!.id, appRoleId: '0a0a0a0a-0000-4000-8000-000000000009' })).status).toBe(409);
    expect((await control(sim, 'DELETE', `/appRoleAssignments/${assignment.body.id}`)).status).toBe(204);

    const role = (await control(sim, 'POST', '/roleAssignments', { principalId: user!.id, roleDefinitionId: ROLE_TEMPLATE_IDS.applicationAdministrator, directoryScopeId: `/${app.id}` })) as { status: number; body: { id: string } };
    expect(role.status).toBe(201);
    expect((await control(sim, 'POST', '/roleAssignments', { principalId: group.body.id, roleDefinitionId: ROLE_TEMPLATE_IDS.globalReader })).status).toBe(409);
    const truthRoles = (await control(sim, 'GET', '/truth/roleAssignments')).body as Array<{ id: string }>;
    expect(truthRoles.map((r) => r.id)).toContain(role.body.id);
    expect((await control(sim, 'DELETE', `/roleAssignments/${role.body.id}`)).status).toBe(204);

    const graphSp = sim.tenant.findServicePrincipalByAppId(MICROSOFT_GRAPH_APP_ID)!;
    const grant = (await control(sim, 'POST', '/oauth2PermissionGrants', { clientId: sp.id, resourceId: graphSp.id, scope: 'User.Read openid' })) as { status: number; body: { id: string; consentType: string; principalId: null } };
    expect(grant).toMatchObject({ status: 201, body: { consentType: 'AllPrincipals', principalId: null } });
    expect((await control(sim, 'DELETE', `/oauth2PermissionGrants/${grant.body.id}`)).status).toBe(204);

    expect((await control(sim, 'DELETE', `/applications/${app.id}`)).status).toBe(204);
    expect((await control(sim, 'GET', `/applications/${app.id}`)).body).toMatchObject({ state: 'deleted' });
    expect((await control(sim, 'POST', '/groups', { noSuchField: 1 })).status).toBe(400);
    expect((await control(sim, 'GET', '/groups/01010101-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('logs owner and app role assignment changes as Entra names them, added or removed, unless the change is silent', async () => {
    const all = () => [...sim.tenant.directoryAudits.newestFirst()];
    const count = () => all().length;
    // The event the last call logged: found by id, not as the newest, since two calls in the same
    // millisecond share a time and the log orders a tie by id.
    let seen = new Set(all().map((e) => e.id));
    const newest = () => {
      const added = all().filter((e) => !seen.has(e.id));
      expect(added).toHaveLength(1);
      return added[0]!;
    };
    const next = <T>(result: T): T => {
      seen = new Set(all().map((e) => e.id));
      return result;
    };
    const [user] = sim.tenant.activeUsers();
    const sp = sim.tenant.activeObjects('servicePrincipals').find((s) => !sim.tenant.activeOwnersOf(s.id).includes(user!.id))!;
    const targetIds = () => newest().targetResources.map((r) => r.id);

    // Owner events name the owner; the owned object only in its modified properties, as Entra logs them.
    const ownedId = (side: 'oldValue' | 'newValue') => newest().targetResources[0]?.modifiedProperties.find((p) => p.displayName === 'ServicePrincipal.ObjectID')?.[side];

    expect((await control(sim, 'POST', `/servicePrincipals/${sp.id}/owners`, { ownerId: user!.id })).status).toBe(204);
    expect(newest().activityDisplayName).toBe('Add owner to service principal');
    expect(ownedId('newValue')).toBe(JSON.stringify(sp.id));
    expect(next(targetIds())).toEqual([user!.id]);
    expect((await control(sim, 'DELETE', `/servicePrincipals/${sp.id}/owners/${user!.id}`)).status).toBe(204);
    expect(newest().activityDisplayName).toBe('Remove owner from service principal');
    expect(ownedId('oldValue')).toBe(JSON.stringify(sp.id));
    expect(next(targetIds())).toEqual([user!.id]);

    const assignment = (await control(sim, 'POST', `/servicePrincipals/${sp.id}/appRoleAssignedTo`, { principalId: user!.id })).body as { id: string };
    expect(newest().activityDisplayName).toBe('Add app role assignment grant to user');
    expect(next(targetIds())).toEqual([sp.id, user!.id]);
    expect((await control(sim, 'DELETE', `/appRoleAssignments/${assignment.id}`)).status).toBe(204);
    expect(next(newest().activityDisplayName)).toBe('Remove app role assignment from user');

    // Silent: the change happens, the log does not see it.
    const before = count();
    expect((await control(sim, 'POST', `/servicePrincipals/${sp.id}/owners`, { ownerId: user!.id, silent: true })).status).toBe(204);
    const quiet = (await control(sim, 'POST', `/servicePrincipals/${sp.id}/appRoleAssignedTo`, { principalId: user!.id, silent: true })).body as { id: string };
    expect(sim.tenant.activeOwnersOf(sp.id)).toContain(user!.id);
    expect(sim.tenant.activeAppRoleAssignmentsOf(sp.id).map((a) => a.id)).toContain(quiet.id);
    expect((await control(sim, 'DELETE', `/appRoleAssignments/${quiet.id}`, { silent: true })).status).toBe(204);
    expect((await control(sim, 'DELETE', `/servicePrincipals/${sp.id}/owners/${user!.id}`, { silent: true })).status).toBe(204);
    expect(count()).toBe(before);
  });

  it('records audit events and sign-ins, switches the licence, tunes delta and reports the truth', async () => {
    const audit = (await control(sim, 'POST', '/directoryAudits', { activityDisplayName: 'Update external secrets', category: 'ApplicationManagement' })) as { status: number; body: { id: string; loggedByService: string } };
    expect(audit).toMatchObject({ status: 201, body: { loggedByService: 'Core Directory' } });
    const [user] = sim.tenant.activeUsers();
    const graphSp = sim.tenant.findServicePrincipalByAppId(MICROSOFT_GRAPH_APP_ID)!;
    const signIn = (await control(sim, 'POST', '/signIns', { userId: user!.id, appId: graphSp.appId, status: { errorCode: 50126 } })) as { status: number; body: { userPrincipalName: string; appDisplayName: string } };
    expect(signIn).toMatchObject({ status: 201, body: { userPrincipalName: user!.userPrincipalName, appDisplayName: 'Microsoft Graph' } });
    expect((await control(sim, 'PUT', '/tenant/premium', { premium: false })).body).toEqual({ premium: false });
    expect(sim.tenant.premium).toBe(false);
    await control(sim, 'PUT', '/tenant/premium', { premium: true });

    const settings = (await control(sim, 'PATCH', '/delta/settings', { membersPerEntry: 5, changedPropertiesOnly: true, removedInInitialRound: true })).body;
    expect(settings).toMatchObject({ membersPerEntry: 5, changedPropertiesOnly: true, removedInInitialRound: true });

    for (const route of ['users', 'groups', 'applications', 'servicePrincipals', 'memberships', 'owners', 'appRoleAssignments', 'roleAssignments', 'roleMemberships', 'entitlements', 'credentials']) {
      const response = await control(sim, 'GET', `/truth/${route}`);
      expect([route, response.status, Array.isArray(response.body)]).toEqual([route, 200, true]);
    }
    const memberships = (await control(sim, 'GET', '/truth/memberships')).body as unknown[];
    expect(memberships).toHaveLength(directMemberships(sim.tenant).length);
    const state = (await control(sim, 'GET', '/state')).body as Record<string, number>;
    expect(state).toMatchObject({ groups: sim.tenant.activeObjects('groups').length, premium: true });
  });
});
