import { COMMON_DELEGATED_SCOPES, GRAPH_APP_ROLES } from './appCatalog';
import { DEFAULT_ACCESS_APP_ROLE_ID, type AppRoleAssignment, type AppRolePrincipalType } from '../model/appRoleAssignments';
import { ROLE_TEMPLATE_IDS, type RoleAssignment } from '../model/directoryRoles';
import type { GeneratedApplications } from './generateApplications';
import type { GeneratedGroups } from './generateGroups';
import { DAY_MS, heavyTailed, sample, type GenerationContext } from './generationContext';
import { appRoleAssignmentId, permissionGrantId, roleAssignmentId } from '../model/objectIds';
import type { OAuth2PermissionGrant } from '../model/permissionGrants';
import { createRandom, hashSeed, type Random } from './random';
import type { ServicePrincipalProperties } from '../model/servicePrincipalResource';
import { graphDateTime } from '../model/userResource';

export interface GeneratedAccess {
  appRoleAssignments: AppRoleAssignment[];
  roleAssignments: RoleAssignment[];
  permissionGrants: OAuth2PermissionGrant[];
}

/**
 * App role assignments (users, groups and service principals; default access included),
 * active directory role assignments (tenant-wide, administrative-unit and app scoped; to users,
 * role-assignable groups and service principals) and delegated permission grants.
 */
export function generateAccess(
  context: GenerationContext,
  apps: GeneratedApplications,
  groups: GeneratedGroups,
  connectorPermissions: readonly string[],
): GeneratedAccess {
  const random = createRandom(hashSeed(context.seed, 'access'));
  return {
    appRoleAssignments: generateAppRoleAssignments(random, context, apps, groups, connectorPermissions),
    roleAssignments: generateRoleAssignments(random, context, apps, groups),
    permissionGrants: generatePermissionGrants(random, context, apps),
  };
}

function generateAppRoleAssignments(
  random: Random,
  context: GenerationContext,
  apps: GeneratedApplications,
  groups: GeneratedGroups,
  connectorPermissions: readonly string[],
): AppRoleAssignment[] {
  const assignments: AppRoleAssignment[] = [];
  const taken = new Set<string>();
  const assign = (
    resource: ServicePrincipalProperties,
    principal: { id: string; displayName: string },
    type: AppRolePrincipalType,
    appRoleId: string,
    createdDaysAgo = random.int(0, 900),
  ) => {
    const key = `${resource.id}|${principal.id}|${appRoleId}`;
    if (taken.has(key)) return;
    taken.add(key);
    assignments.push({
      id: appRoleAssignmentId(random, principal.id),
      appRoleId,
      createdDateTime: graphDateTime(new Date(context.anchor - createdDaysAgo * DAY_MS - random.int(0, DAY_MS - 1))),
      deletedDateTime: null,
      principalId: principal.id,
      principalType: type,
      principalDisplayName: principal.displayName,
      resourceId: resource.id,
      resourceDisplayName: resource.displayName,
    });
  };
  const userRoleOf = (sp: ServicePrincipalProperties): string => {
    const roles = sp.appRoles.filter((role) => role.isEnabled && role.allowedMemberTypes.includes('User'));
    return roles.length === 0 || random.chance(0.2) ? DEFAULT_ACCESS_APP_ROLE_ID : random.pick(roles).id;
  };

  // Application permissions: Graph app roles held by the connector and other in-house apps.
  const connector = apps.inHouse[0];
  if (connector) {
    // Consented recently: the connector was set up within the last weeks.
    for (const role of GRAPH_APP_ROLES.filter((r) => connectorPermissions.includes(r.value))) {
      assign(apps.graph, connector, 'ServicePrincipal', role.id, random.int(1, 20));
    }
  }
  for (const sp of apps.inHouse.slice(1)) {
    if (random.chance(0.3)) for (const role of sample(random, GRAPH_APP_ROLES, random.int(1, 3))) assign(apps.graph, sp, 'ServicePrincipal', role.id);
  }
  // In-house APIs exposing Application roles to other in-house apps.
  const apis = apps.inHouse.filter((sp) => sp.appRoles.some((role) => role.isEnabled && role.allowedMemberTypes.includes('Application')));
  for (const api of apis) {
    const role = random.pick(api.appRoles.filter((r) => r.isEnabled && r.allowedMemberTypes.includes('Application')));
    for (const client of sample(random, apps.inHouse, random.int(0, 2))) if (client.id !== api.id) assign(api, client, 'ServicePrincipal', role.id);
  }

  // Users and groups reaching enterprise apps: SaaS apps mostly through groups.
  const assignableGroups = groups.groups.filter((group) => !group.isAssignableToRole && group.securityEnabled);
  const targets = [...apps.saas, ...apps.inHouse.slice(1).filter((sp) => sp.appRoleAssignmentRequired || random.chance(0.2))];
  for (const sp of targets) {
    const groupCount = random.chance(0.3) ? 0 : random.int(1, 4);
    for (const group of sample(random, assignableGroups, groupCount)) assign(sp, group, 'Group', userRoleOf(sp));
    const direct = heavyTailed(random, 1, 1.1, Math.min(context.users.length, 2000));
    for (const user of sample(random, context.users, direct)) assign(sp, user, 'User', userRoleOf(sp));
  }
  return assignments;
}

function generateRoleAssignments(random: Random, context: GenerationContext, apps: GeneratedApplications, groups: GeneratedGroups): RoleAssignment[] {
  const assignments: RoleAssignment[] = [];
  const taken = new Set<string>();
  const staff = context.staff.length > 0 ? context.staff : context.users;
  const administrativeUnits = Array.from({ length: 3 }, () => random.guid());
  const assign = (principalId: string, roleDefinitionId: string, directoryScopeId = '/') => {
    const key = `${principalId}|${roleDefinitionId}|${directoryScopeId}`;
    if (taken.has(key)) return;
    taken.add(key);
    assignments.push({
      id: roleAssignmentId(random),
      principalId,
      roleDefinitionId,
      directoryScopeId,
      appScopeId: random.chance(0.1) ? '/' : null,
      condition: null,
    });
  };
  const admins = sample(random, staff, Math.min(staff.length, 12));
  const at = (index: number) => admins[index % Math.max(1, admins.length)]?.id;
  const ids = ROLE_TEMPLATE_IDS;
  for (let i = 0; i < Math.min(3, admins.length); i++) assign(at(i) as string, ids.globalAdministrator);
  if (admins.length > 0) {
    assign(at(3) as string, ids.privilegedRoleAdministrator);
    assign(at(4) as string, ids.applicationAdministrator);
    assign(at(5) as string, ids.cloudApplicationAdministrator);
    assign(at(6) as string, ids.userAdministrator, `/administrativeUnits/${administrativeUnits[0]}`);
    assign(at(7) as string, ids.groupsAdministrator);
    assign(at(8) as string, ids.securityReader);
    assign(at(9) as string, ids.globalReader);
    // Application Administrator over one app registration only.
    const scopedApp = apps.applications[1] ?? apps.applications[0];
    if (scopedApp) assign(at(10) as string, ids.applicationAdministrator, `/${scopedApp.id}`);
  }
  // Role-assignable groups hold roles for their direct members.
  const groupRoles = [ids.globalAdministrator, ids.cloudApplicationAdministrator, ids.securityReader, ids.userAdministrator];
  groups.roleAssignable.forEach((group, index) => {
    const role = groupRoles[index % groupRoles.length] as string;
    assign(group.id, role, role === ids.userAdministrator ? `/administrativeUnits/${administrativeUnits[1]}` : '/');
  });
  // Automation service principals with directory roles.
  const automation = apps.inHouse.slice(1);
  if (automation.length > 0) {
    assign(random.pick(automation).id, ids.globalReader);
    assign(random.pick(automation).id, ids.cloudApplicationAdministrator);
  }
  // Helpdesk and user administrators grow with the tenant.
  const helpdesk = ['729827e3-9c14-49f7-bb1b-9608f156bbb8', ids.userAdministrator, ids.groupsAdministrator];
  for (let i = Math.round(context.users.length / 1000); i > 0 && staff.length > 0; i--) {
    const scope = random.chance(0.5) ? `/administrativeUnits/${random.pick(administrativeUnits)}` : '/';
    assign(random.pick(staff).id, random.pick(helpdesk), scope);
  }
  return assignments;
}

function generatePermissionGrants(random: Random, context: GenerationContext, apps: GeneratedApplications): OAuth2PermissionGrant[] {
  const grants: OAuth2PermissionGrant[] = [];
  const taken = new Set<string>();
  const grant = (client: ServicePrincipalProperties, principalId: string | null, scopes: readonly string[]) => {
    const id = permissionGrantId(client.id, apps.graph.id, principalId);
    if (taken.has(id)) return;
    taken.add(id);
    grants.push({
      id,
      clientId: client.id,
      consentType: principalId ? 'Principal' : 'AllPrincipals',
      principalId,
      resourceId: apps.graph.id,
      scope: [...new Set(scopes)].join(' '),
    });
  };
  const baseScopes = ['openid', 'profile', 'email', 'offline_access', 'User.Read'];
  for (const sp of apps.inHouse.slice(1)) {
    if (random.chance(0.5)) grant(sp, null, [...baseScopes.slice(0, random.int(1, 5)), ...sample(random, COMMON_DELEGATED_SCOPES, random.int(0, 2))]);
  }
  for (const sp of apps.saas) {
    if (random.chance(0.6)) grant(sp, null, [...baseScopes, ...sample(random, COMMON_DELEGATED_SCOPES, random.int(0, 3))]);
    else {
      // User consent: one grant per consenting user.
      for (const user of sample(random, context.users, random.int(1, 10))) grant(sp, user.id, sample(random, baseScopes, random.int(2, 5)));
    }
  }
  return grants;
}
