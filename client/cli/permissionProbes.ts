import type { TokenCredential } from '@azure/identity';
import { createGraphClient, type GraphConnection } from '../../activities/graph/graphClient';
import { createCredential } from '../../activities/graph/credentials/createCredential';
import { redactor, type CredentialMaterial } from '../../activities/graph/credentials/credentialMaterial';
import { graphScope } from '../../shared/clouds';
import { explainAuthorityFailure, isEndpointResolutionError } from '../../activities/graph/authorityDiscovery';
import { authenticationFailure, graphFailure, isGraphError } from '../../activities/graph/graphErrors';

/** One cheap Graph call per permission a sync needs: `$top=1`, `$select=id` where allowed. */
type Probe = {
  name: string;
  permission: string;
  /** Relative to the Graph version root; undefined when the call needs something an earlier probe did not find. */
  path: (found: Found) => string | undefined;
  /** How the endpoint is shown: the path without ids and query. */
  endpoint: string;
  discoveryOnly?: boolean;
};

type Found = { servicePrincipalId?: string; groupId?: string };

const PROBES: Probe[] = [
  { name: 'users', permission: 'User.Read.All', endpoint: '/users', path: () => '/users?$top=1&$select=id' },
  { name: 'groups', permission: 'Group.Read.All', endpoint: '/groups', path: () => '/groups?$top=1&$select=id' },
  { name: 'applications', permission: 'Application.Read.All', endpoint: '/applications', path: () => '/applications?$top=1&$select=id' },
  { name: 'servicePrincipals', permission: 'Application.Read.All', endpoint: '/servicePrincipals', path: () => '/servicePrincipals?$top=1&$select=id' },
  {
    name: 'appRoleAssignedTo',
    permission: 'AppRoleAssignment.Read.All',
    endpoint: '/servicePrincipals/{id}/appRoleAssignedTo',
    path: (f) => (f.servicePrincipalId ? `/servicePrincipals/${encodeURIComponent(f.servicePrincipalId)}/appRoleAssignedTo?$top=1` : undefined),
  },
  { name: 'roleManagement', permission: 'RoleManagement.Read.Directory', endpoint: '/roleManagement/directory/roleAssignments', path: () => '/roleManagement/directory/roleAssignments?$top=1' },
  // PIM documents no $top on its schedule instances: $select keeps the probe small.
  {
    name: 'roleEligibilitySchedules',
    permission: 'RoleEligibilitySchedule.Read.Directory',
    endpoint: '/roleManagement/directory/roleEligibilityScheduleInstances',
    path: () => '/roleManagement/directory/roleEligibilityScheduleInstances?$select=id',
  },
  {
    name: 'roleAssignmentSchedules',
    permission: 'RoleAssignmentSchedule.Read.Directory',
    endpoint: '/roleManagement/directory/roleAssignmentScheduleInstances',
    path: () => '/roleManagement/directory/roleAssignmentScheduleInstances?$select=id',
  },
  // PIM for Groups requires a groupId (or principalId) filter: scoped to the group the groups probe found.
  {
    name: 'groupEligibilitySchedules',
    permission: 'PrivilegedEligibilitySchedule.Read.AzureADGroup',
    endpoint: '/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances',
    path: (f) => (f.groupId ? `/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '${f.groupId}'&$select=id` : undefined),
  },
  {
    name: 'groupAssignmentSchedules',
    permission: 'PrivilegedAssignmentSchedule.Read.AzureADGroup',
    endpoint: '/identityGovernance/privilegedAccess/group/assignmentScheduleInstances',
    path: (f) => (f.groupId ? `/identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=groupId eq '${f.groupId}'&$select=id` : undefined),
  },
  {
    name: 'administrativeUnits',
    permission: 'AdministrativeUnit.Read.All',
    endpoint: '/directory/administrativeUnits',
    path: () => '/directory/administrativeUnits?$select=id',
  },
  { name: 'auditLogs', permission: 'AuditLog.Read.All', endpoint: '/auditLogs/directoryAudits', path: () => '/auditLogs/directoryAudits?$top=1' },
  { name: 'permissionGrants', permission: 'DelegatedPermissionGrant.Read.All', endpoint: '/oauth2PermissionGrants', path: () => '/oauth2PermissionGrants?$top=1', discoveryOnly: true },
  { name: 'signIns', permission: 'AuditLog.Read.All', endpoint: '/auditLogs/signIns', path: () => '/auditLogs/signIns?$top=1', discoveryOnly: true },
];

export type ProbeStatus = 'granted' | 'missing' | 'unlicensed' | 'unchecked' | 'error';

export type ProbeResult = {
  name: string;
  permission: string;
  endpoint: string;
  status: ProbeStatus;
  /** For anything but `granted`: what happened and the fix, in the words of a failed run. */
  detail?: string;
};

export type ConnectionTest = {
  token: { ok: true; roles?: string[] } | { ok: false; kind: string; message: string };
  permissions: ProbeResult[];
  ok: boolean;
};

/**
 * What `connector test` does: gets a token (an error names its AADSTS meaning), then checks
 * each permission with one call. Nothing here ever includes the secret.
 */
export async function testConnection(connection: GraphConnection & { discoveryEnabled: boolean }, material: CredentialMaterial): Promise<ConnectionTest> {
  const redact = redactor(material);
  const context = { tenantId: connection.tenantId, clientId: connection.clientId };
  const authContext = { ...context, permission: '', credentialKind: material.kind };
  let roles: string[] | undefined;
  let credential: TokenCredential;
  try {
    credential = createCredential(connection, material);
    const token = await credential.getToken(graphScope(connection.graphBaseUrl));
    roles = tokenRoles(token?.token);
  } catch (err) {
    // An unknown tenant fails in MSAL's endpoint discovery, which hides the AADSTS code: ask again.
    const explained = isEndpointResolutionError(err) ? await explainAuthorityFailure(connection.authorityHost, connection.tenantId) : undefined;
    const failure = authenticationFailure(explained ?? err, authContext, redact);
    return { token: { ok: false, kind: failure.type ?? 'AuthenticationFailed', message: failure.message }, permissions: [], ok: false };
  }

  const client = createGraphClient(credential, connection.graphBaseUrl, { requests: 0, throttled: 0 });
  const found: Found = {};
  const permissions: ProbeResult[] = [];
  for (const probe of PROBES) {
    if (probe.discoveryOnly && !connection.discoveryEnabled) continue;
    const path = probe.path(found);
    const endpoint = `GET ${probe.endpoint}`;
    const base = { name: probe.name, permission: probe.permission, endpoint };
    if (!path) {
      permissions.push({ ...base, status: 'unchecked', detail: `needs ${probe.name.startsWith('group') ? 'a group id' : 'a service principal id'}, and none could be listed` });
      continue;
    }
    try {
      const page = (await client.api(path).get()) as { value?: { id?: string }[] };
      if (probe.name === 'servicePrincipals') found.servicePrincipalId = page.value?.[0]?.id;
      if (probe.name === 'groups') found.groupId = page.value?.[0]?.id;
      permissions.push({ ...base, status: 'granted' });
    } catch (err) {
      permissions.push({ ...base, ...classify(err, { ...context, permission: probe.permission, endpoint: connection.graphBaseUrl }, probe.name, redact) });
    }
  }
  return { token: { ok: true, ...(roles ? { roles } : {}) }, permissions, ok: permissions.every((p) => p.status === 'granted') };
}

function classify(
  err: unknown,
  context: { tenantId: string; clientId: string; permission: string; endpoint: string },
  what: string,
  redact: (text: string) => string,
): { status: ProbeStatus; detail: string } {
  if (!isGraphError(err)) return { status: 'error', detail: redact((err as Error)?.message ?? String(err)) };
  if (err.statusCode === 403 && err.code === 'Authentication_RequestFromNonPremiumTenantOrB2CTenant') {
    return { status: 'unlicensed', detail: 'sign-in logs need a Microsoft Entra ID P1 or P2 licence in the tenant' };
  }
  if ((err.statusCode === 400 || err.statusCode === 403) && err.code === 'AadPremiumLicenseRequired') {
    const pim = what.startsWith('group') ? 'PIM for Groups schedules (eligible and time-bound group memberships)' : 'PIM schedules (eligible and time-bound role assignments)';
    return { status: 'unlicensed', detail: `${pim} need a Microsoft Entra ID P2 or ID Governance licence in the tenant` };
  }
  const failure = graphFailure(err, context, what);
  return { status: err.statusCode === 403 ? 'missing' : 'error', detail: redact(failure.message) };
}

/** The application permissions a token carries (its `roles` claim), when it is a readable JWT. */
function tokenRoles(token: string | undefined): string[] | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { roles?: unknown };
    return Array.isArray(claims.roles) ? claims.roles.map(String) : [];
  } catch {
    return undefined;
  }
}
