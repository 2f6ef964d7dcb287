import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_TEMPLATE_IDS } from '../simulator/model/directoryRoles';
import { appRoleAssignments, ownerships, roleAssignments } from '../simulator/tenant/groundTruth';
import type { RunningSimulator } from '../simulator/server';
import { graphClientFor, graphFailure, listAll, rawGraph, start, type GraphErrorBody, type ListPage } from './simulatorHelpers';

type Row = Record<string, unknown> & { id: string };

describe('directory lists and per-object endpoints', () => {
  let sim: RunningSimulator;
  let client: Client;
  beforeAll(async () => {
    sim = await start({ users: 600, seed: 31 });
    sim.application.grantedPermissions = [...sim.application.grantedPermissions, 'Directory.Read.All'];
    client = graphClientFor(sim);
  });
  afterAll(() => sim.close());

  it('pages /users by $top with absolute nextLinks that keep the query, and honours $select', async () => {
    const { items, pages } = await listAll<Row>(client, '/users?$select=displayName,userType&$top=250');
    expect(pages.map((page) => page.value.length)).toEqual([250, 250, 100]);
    expect(pages[0]!['@odata.nextLink']).toMatch(new RegExp(`^${sim.config.graphBaseUrl}/users\\?\\$select=displayName,userType&\\$top=250&\\$skiptoken=`));
    expect(items.map((user) => user.id)).toEqual(sim.tenant.activeUsers().map((user) => user.id));
    expect(Object.keys(items[0]!).sort()).toEqual(['displayName', 'id', 'userType']);
    const defaultPage = (await client.api('/users').get()) as ListPage<Row>;
    expect(defaultPage.value).toHaveLength(100);
  });

  it('refuses $top beyond 999 (500 with signInActivity) and forged skiptokens', async () => {
    expect((await graphFailure(client.api('/users?$top=1000').get())).statusCode).toBe(400);
    expect((await graphFailure(client.api('/groups?$top=0').get())).statusCode).toBe(400);
    expect(((await client.api('/applications?$top=999').get()) as ListPage).value.length).toBeGreaterThan(0);
    expect((await graphFailure(client.api('/users?$select=displayName,signInActivity&$top=501').get())).statusCode).toBe(400);
    const withActivity = (await client.api('/users?$select=displayName,signInActivity&$top=500').get()) as ListPage<Row>;
    expect(withActivity.value.some((user) => (user.signInActivity as { lastSignInDateTime?: string } | null)?.lastSignInDateTime)).toBe(true);
    const page = (await client.api('/users?$top=5').get()) as ListPage;
    const forged = (page['@odata.nextLink'] as string).replace(/\$skiptoken=([^&.]{6})/, '$skiptoken=AAAAAA');
    expect((await graphFailure(client.api(forged).get())).statusCode).toBe(400);
  });

  it('supports $count with ConsistencyLevel: eventual and simple $filter equality', async () => {
    const members = (await client.api("/users?$filter=userType eq 'Member'&$count=true").header('ConsistencyLevel', 'eventual').get()) as ListPage<Row>;
    expect(members['@odata.count']).toBe(sim.tenant.activeUsers().filter((user) => user.userType === 'Member').length);
    expect((await graphFailure(client.api('/users?$count=true').get())).statusCode).toBe(400);
    const graph = (await client.api("/servicePrincipals?$filter=appId eq '00000003-0000-0000-c000-000000000000'").get()) as ListPage<Row>;
    expect(graph.value.map((sp) => sp.displayName)).toEqual(['Microsoft Graph']);
  });

  it('caps $expand=owners at 20 and /owners returns all of them, typed', async () => {
    const { items } = await listAll<Row>(client, '/applications?$select=id,displayName&$expand=owners');
    const truth = ownerships(sim.tenant).filter((o) => o.objectType === 'application');
    const crowded = items.find((app) => truth.filter((o) => o.objectId === app.id).length > 20)!;
    expect(crowded).toBeDefined();
    expect(crowded.owners as unknown[]).toHaveLength(20);
    expect(items.some((app) => (app.owners as unknown[]).length === 0)).toBe(true);

    const owners = await listAll<Row>(client, `/applications/${crowded.id}/owners?$top=7`);
    expect(owners.pages.length).toBeGreaterThan(1);
    expect(owners.items.map((o) => o.id).sort()).toEqual(truth.filter((o) => o.objectId === crowded.id).map((o) => o.ownerId).sort());
    for (const owner of owners.items) expect(owner['@odata.type']).toMatch(/^#microsoft\.graph\.(user|servicePrincipal)$/);

    const spOwners = ownerships(sim.tenant).filter((o) => o.objectType === 'servicePrincipal');
    const sp = spOwners[0]!.objectId;
    const listed = await listAll<Row>(client, `/servicePrincipals/${sp}/owners`);
    expect(listed.items.map((o) => o.id).sort()).toEqual(spOwners.filter((o) => o.objectId === sp).map((o) => o.ownerId).sort());
    const expanded = (await client.api(`/servicePrincipals?$expand=owners($select=id)&$top=999`).get()) as ListPage<Row>;
    for (const item of expanded.value) expect((item.owners as unknown[]).length).toBeLessThanOrEqual(20);
  });

  it('serves appRoleAssignedTo with the documented fields, default access included', async () => {
    const truth = appRoleAssignments(sim.tenant);
    const resource = truth.find((a) => a.principalType === 'Group')!.resourceId;
    const { items } = await listAll<Row>(client, `/servicePrincipals/${resource}/appRoleAssignedTo?$top=3`);
    expect(items.map((a) => a.id).sort()).toEqual(truth.filter((a) => a.resourceId === resource).map((a) => a.id).sort());
    expect(Object.keys(items[0]!).sort()).toEqual(
      ['appRoleId', 'createdDateTime', 'deletedDateTime', 'id', 'principalDisplayName', 'principalId', 'principalType', 'resourceDisplayName', 'resourceId'].sort(),
    );
    expect(new Set(truth.map((a) => a.principalType))).toEqual(new Set(['User', 'Group', 'ServicePrincipal']));
    expect(truth.some((a) => a.appRoleId === '00000000-0000-0000-0000-000000000000')).toBe(true);
    expect((await rawGraph(sim, `/servicePrincipals/${resource}/appRoleAssignedTo`, { roles: ['AppRoleAssignment.Read.All'] })).status).toBe(200);
    expect((await rawGraph(sim, `/servicePrincipals/${resource}/appRoleAssignedTo`, { roles: ['User.Read.All'] })).status).toBe(403);
  });

  it('lists a group\'s direct members with @odata.type', async () => {
    const group = sim.tenant.activeObjects('groups').find((g) => g.displayName === 'All Employees')!;
    const { items } = await listAll<Row>(client, `/groups/${group.id}/members?$top=999&$select=id,displayName`);
    expect(items.map((m) => m.id)).toEqual([...sim.tenant.memberships.sortedMembersOf(group.id)]);
    expect(items[0]).toEqual({ '@odata.type': '#microsoft.graph.user', id: items[0]!.id, displayName: expect.any(String) });
  });

  it('expands roleAssignments principals and serves built-in role definitions with real template ids', async () => {
    const { items } = await listAll<Row>(client, '/roleManagement/directory/roleAssignments?$expand=principal');
    expect(items.map((a) => a.id).sort()).toEqual(roleAssignments(sim.tenant).map((a) => a.id).sort());
    const types = new Set(items.map((a) => (a.principal as { '@odata.type': string })['@odata.type']));
    expect(types).toEqual(new Set(['#microsoft.graph.user', '#microsoft.graph.group', '#microsoft.graph.servicePrincipal']));
    const scopes = items.map((a) => a.directoryScopeId as string);
    expect(scopes).toContain('/');
    expect(scopes.some((scope) => scope.startsWith('/administrativeUnits/'))).toBe(true);
    expect(scopes.some((scope) => /^\/[0-9a-f-]{36}$/.test(scope))).toBe(true);
    expect(items.filter((a) => a.roleDefinitionId === ROLE_TEMPLATE_IDS.globalAdministrator).length).toBeGreaterThan(0);

    const definitions = (await client.api('/roleManagement/directory/roleDefinitions').get()) as ListPage<Row>;
    const byName = new Map(definitions.value.map((d) => [d.displayName, d]));
    expect(byName.get('Global Administrator')).toMatchObject({ id: '62e90394-69f5-4237-9190-012177145e10', templateId: '62e90394-69f5-4237-9190-012177145e10', isBuiltIn: true });
    expect(byName.get('Privileged Role Administrator')?.templateId).toBe('e8611ab8-c189-46e8-94e1-60213ab1f814');
    expect((await rawGraph(sim, '/roleManagement/directory/roleAssignments', { roles: ['User.Read.All'] })).status).toBe(403);
  });

  it('lists oauth2PermissionGrants for Directory.Read.All or DelegatedPermissionGrant.Read.All only', async () => {
    const grants = (await client.api('/oauth2PermissionGrants').get()) as ListPage<Row>;
    expect(grants.value.length).toBeGreaterThan(0);
    expect(new Set(grants.value.map((g) => g.consentType))).toEqual(new Set(['AllPrincipals', 'Principal']));
    for (const grant of grants.value) {
      expect(Object.keys(grant).sort()).toEqual(['clientId', 'consentType', 'id', 'principalId', 'resourceId', 'scope']);
      expect(grant.principalId === null).toBe(grant.consentType === 'AllPrincipals');
    }
    expect((await graphFailure(client.api('/oauth2PermissionGrants?$select=createdDateTime').get())).statusCode).toBe(400);
    // A directory collection: $top up to 999, as the connector asks (docs/graph-behaviour.md).
    expect(((await client.api('/oauth2PermissionGrants?$top=999').get()) as ListPage).value).toHaveLength(Math.min(999, [...sim.tenant.permissionGrants.all()].length));
    expect((await graphFailure(client.api('/oauth2PermissionGrants?$top=1000').get())).statusCode).toBe(400);
    const denied = await rawGraph(sim, '/oauth2PermissionGrants', { roles: ['Application.Read.All', 'AuditLog.Read.All'] });
    expect(denied.status).toBe(403);
    expect((denied.body as GraphErrorBody).error).toMatchObject({ code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    expect((await rawGraph(sim, '/oauth2PermissionGrants', { roles: ['DelegatedPermissionGrant.Read.All'] })).status).toBe(200);
  });

  it('answers 404 Request_ResourceNotFound for unknown and deleted objects, 400 for malformed ids', async () => {
    const app = sim.tenant.activeObjects('applications')[2]!;
    expect((await rawGraph(sim, `/applications/${app.id}`)).status).toBe(200);
    sim.tenant.softDeleteObject('applications', app.id);
    for (const path of [`/applications/${app.id}`, `/applications/${app.id}/owners`, '/servicePrincipals/11111111-1111-4111-8111-111111111111/appRoleAssignedTo']) {
      const response = await rawGraph(sim, path);
      expect(response.status).toBe(404);
      expect((response.body as GraphErrorBody).error.code).toBe('Request_ResourceNotFound');
    }
    const group = sim.tenant.createGroup({ displayName: 'Short-lived' });
    sim.tenant.hardDeleteObject('groups', group.id);
    expect((await rawGraph(sim, `/groups/${group.id}/members`)).status).toBe(404);
    expect((await rawGraph(sim, '/groups/not-a-guid/members')).status).toBe(400);
    sim.tenant.restoreObject('applications', app.id);
  });

  it('requires each endpoint\'s permission: 403 Authorization_RequestDenied without it', async () => {
    const cases: Array<[string, string[], string[]]> = [
      ['/users', ['Group.Read.All'], ['User.Read.All']],
      ['/groups', ['User.Read.All'], ['GroupMember.Read.All']],
      ['/applications', ['User.Read.All'], ['Application.Read.All']],
      ['/servicePrincipals', ['Group.Read.All'], ['Directory.Read.All']],
      ['/auditLogs/directoryAudits', ['Directory.Read.All'], ['AuditLog.Read.All']],
      ['/auditLogs/signIns', ['Directory.Read.All'], ['AuditLog.Read.All']],
      ['/roleManagement/directory/roleDefinitions', ['Directory.Read.All', 'User.Read.All'].slice(1), ['RoleManagement.Read.Directory']],
    ];
    for (const [path, without, withIt] of cases) {
      const denied = await rawGraph(sim, `${path}?$top=1`, { roles: without });
      expect([path, denied.status, (denied.body as GraphErrorBody).error.code]).toEqual([path, 403, 'Authorization_RequestDenied']);
      expect([path, (await rawGraph(sim, `${path}?$top=1`, { roles: withIt })).status]).toEqual([path, 200]);
    }
  });
});

describe('audit logs and sign-ins', () => {
  let sim: RunningSimulator;
  let client: Client;
  beforeAll(async () => {
    sim = await start({ users: 800, seed: 32 });
    client = graphClientFor(sim);
  });
  afterAll(() => sim.close());

  it('filters directoryAudits by unquoted UTC date-times, newest first, paged', async () => {
    const all = [...sim.tenant.directoryAudits.newestFirst()];
    const from = all[Math.floor(all.length * 0.7)]!.activityDateTime;
    const to = all[Math.floor(all.length * 0.2)]!.activityDateTime;
    const since = new Date(Date.parse(from)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const until = new Date(Date.parse(to)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const { items, pages } = await listAll<Row>(client, `/auditLogs/directoryAudits?$filter=activityDateTime ge ${since} and activityDateTime le ${until}&$top=50`);
    expect(pages.length).toBeGreaterThan(1);
    const expected = all.filter((a) => Date.parse(a.activityDateTime) >= Date.parse(since) && Date.parse(a.activityDateTime) <= Date.parse(until));
    expect(items.map((a) => a.id)).toEqual(expected.map((a) => a.id));
    const times = items.map((a) => Date.parse(a.activityDateTime as string));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const geOnly = await listAll<Row>(client, `/auditLogs/directoryAudits?$filter=activityDateTime ge ${since}`);
    expect(geOnly.items).toHaveLength(all.filter((a) => Date.parse(a.activityDateTime) >= Date.parse(since)).length);
    const quoted = await graphFailure(client.api(`/auditLogs/directoryAudits?$filter=activityDateTime ge '${since}'`).get());
    expect(quoted.statusCode).toBe(400);
    expect((await graphFailure(client.api('/auditLogs/directoryAudits?$top=1001').get())).statusCode).toBe(400);
  });

  it("accepts the directoryAudits filters Microsoft documents, and answers what the ground truth holds", async () => {
    const all = [...sim.tenant.directoryAudits.newestFirst()];
    const since = new Date(Date.parse(all[Math.floor(all.length / 2)]!.activityDateTime)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const sample = all.find((a) => a.activityDisplayName === 'Add service principal credentials' && a.initiatedBy.user && a.targetResources.length > 0)!;
    const target = sample.targetResources[0]!;
    const lower = (text: string | null) => (text ?? '').toLowerCase();
    const cases: Array<[string, (a: (typeof all)[number]) => boolean]> = [
      [`startswith(activityDisplayName, 'add service principal') and activityDateTime ge ${since}`, (a) => lower(a.activityDisplayName).startsWith('add service principal') && Date.parse(a.activityDateTime) >= Date.parse(since)],
      ["activityDisplayName eq 'Add service principal credentials'", (a) => a.activityDisplayName === 'Add service principal credentials'],
      [`loggedByService eq '${sample.loggedByService}' and initiatedBy/user/id eq '${sample.initiatedBy.user!.id}'`, (a) => a.loggedByService === sample.loggedByService && a.initiatedBy.user?.id === sample.initiatedBy.user!.id],
      [`targetResources/any(t: t/id eq '${target.id}')`, (a) => a.targetResources.some((t) => t.id === target.id)],
      [`targetResources/any(x: startswith(x/displayName, '${target.displayName!.slice(0, 4)}'))`, (a) => a.targetResources.some((t) => lower(t.displayName).startsWith(lower(target.displayName!.slice(0, 4))))],
      [`id eq '${sample.id}'`, (a) => a.id === sample.id],
    ];
    for (const [filter, expected] of cases) {
      const { items } = await listAll<Row>(client, `/auditLogs/directoryAudits?$filter=${encodeURIComponent(filter)}&$top=1000`);
      expect([filter, items.map((a) => a.id)]).toEqual([filter, all.filter(expected).map((a) => a.id)]);
    }
    const ascending = await listAll<Row>(client, `/auditLogs/directoryAudits?$filter=${encodeURIComponent(`activityDateTime ge ${since}`)}&$orderby=activityDateTime asc&$top=100`);
    expect(ascending.items.map((a) => a.id)).toEqual(all.filter((a) => Date.parse(a.activityDateTime) >= Date.parse(since)).map((a) => a.id).reverse());
  });

  it('refuses directoryAudits filters Microsoft does not document, with 400 Request_UnsupportedQuery', async () => {
    for (const filter of [
      "category eq 'ApplicationManagement'",
      "result eq 'success'",
      "activityDisplayName eq 'Add owner to application' or activityDisplayName eq 'Consent to application'",
      "activityDisplayName ne 'Update user'",
      'activityDateTime gt 2026-01-01T00:00:00Z',
      "startswith(loggedByService, 'Core')",
      "initiatedBy/app/servicePrincipalId eq '00000000-0000-0000-0000-000000000000'",
      "targetResources/id eq '00000000-0000-0000-0000-000000000000'",
    ]) {
      const failure = await graphFailure(client.api(`/auditLogs/directoryAudits?$filter=${encodeURIComponent(filter)}`).get());
      expect([filter, failure.statusCode, failure.code]).toEqual([filter, 400, 'Request_UnsupportedQuery']);
    }
  });

  it('logs credential activities with an EN DASH and the keyId inside modifiedProperties', async () => {
    const app = sim.tenant.activeObjects('applications')[4]!;
    const secret = sim.tenant.addPasswordCredential(app.id, { displayName: 'audit me' });
    const filter = "activityDisplayName eq 'Update application \u2013 Certificates and secrets management'";
    const page = (await client.api(`/auditLogs/directoryAudits?$filter=${encodeURIComponent(filter)}&$top=5`).get()) as ListPage<Row>;
    const [latest] = page.value;
    expect(latest).toMatchObject({
      category: 'ApplicationManagement',
      loggedByService: 'Core Directory',
      result: 'success',
      activityDisplayName: 'Update application \u2013 Certificates and secrets management',
    });
    const [targetResource] = latest!.targetResources as Array<{ id: string; type: string; modifiedProperties: Array<{ displayName: string; oldValue: string; newValue: string }> }>;
    expect(targetResource).toMatchObject({ id: app.id, type: 'Application' });
    const keyDescription = targetResource!.modifiedProperties.find((p) => p.displayName === 'KeyDescription')!;
    expect(JSON.parse(keyDescription.newValue)).toContain(`[KeyIdentifier=${secret.keyId},KeyType=Password,KeyUsage=Verify,DisplayName=audit me]`);
    expect(JSON.parse(keyDescription.oldValue)).not.toContain(`[KeyIdentifier=${secret.keyId},KeyType=Password,KeyUsage=Verify,DisplayName=audit me]`);
    expect((latest!.initiatedBy as { user: unknown; app: unknown }).user ?? (latest!.initiatedBy as { app: unknown }).app).toBeTruthy();

    const names = new Set([...sim.tenant.directoryAudits.newestFirst()].map((a) => a.activityDisplayName));
    for (const name of [
      'Update application \u2013 Certificates and secrets management',
      'Add service principal credentials',
      'Remove service principal credentials',
      'Update external secrets',
      'Add owner to application',
      'Add app role assignment to service principal',
      'Consent to application',
      'Add delegated permission grant',
    ]) {
      expect([name, names.has(name)]).toEqual([name, true]);
    }
  });

  it('serves signIns newest first with createdDateTime filters, $top up to 1000, and 403 without P1/P2', async () => {
    const since = new Date(Date.now() - 10 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const page = (await client.api(`/auditLogs/signIns?$filter=createdDateTime ge ${since}&$top=1000`).get()) as ListPage<Row>;
    expect(page.value.length).toBeGreaterThan(0);
    expect(page.value.every((s) => Date.parse(s.createdDateTime as string) >= Date.parse(since))).toBe(true);
    const times = page.value.map((s) => s.createdDateTime as string);
    expect(times).toEqual([...times].sort().reverse());
    expect(Object.keys(page.value[0]!)).toEqual(expect.arrayContaining(['appId', 'appDisplayName', 'resourceDisplayName', 'resourceId', 'userId', 'userPrincipalName', 'status', 'clientAppUsed', 'ipAddress']));
    expect((await graphFailure(client.api('/auditLogs/signIns?$top=1001').get())).statusCode).toBe(400);

    sim.tenant.setPremium(false);
    const denied = await graphFailure(client.api('/auditLogs/signIns').get());
    expect(denied.statusCode).toBe(403);
    expect(denied.code).toBe('Authentication_RequestFromNonPremiumTenantOrB2CTenant');
    sim.tenant.setPremium(true);
  });
});
