import {
  actorSchema,
  appRoleAssignmentSchema,
  groupOwnerSchema,
  keyCredentialSchema,
  memberSchema,
  ownerSchema,
  passwordCredentialSchema,
  permissionGrantSchema,
  roleAssignmentSchema,
  syntheticObjectSchema,
} from './controlDirectorySchemas';
import { guarded, noContent, ok, parse } from './controlResponses';
import { appInitiator, userInitiator, type AuditInitiator } from '../model/directoryAudit';
import type { RouteHandler, Router } from '../http/router';
import type { ChangeOptions, TenantStore } from '../tenant/tenantStore';

/**
 * /_sim routes for relationships: group members, group owners, owners, credentials, app role assignments,
 * directory role assignments, delegated permission grants, synthetic member objects.
 */
export function registerRelationshipControlRoutes(router: Router, prefix: string, tenant: TenantStore): void {
  const route = (method: string, path: string, handler: RouteHandler) => router.add(method, `${prefix}${path}`, guarded(handler));

  route('GET', '/groups/:id/members', (_request, params) => {
    tenant.requireActive('groups', params.id ?? '');
    return ok(tenant.memberships.sortedMembersOf((params.id ?? '').toLowerCase()));
  });
  route('POST', '/groups/:id/members', (request, params) => {
    tenant.addGroupMember(params.id ?? '', parse(memberSchema, request).memberId);
    return noContent();
  });
  route('DELETE', '/groups/:id/members/:memberId', (_request, params) => {
    tenant.removeGroupMember(params.id ?? '', params.memberId ?? '');
    return noContent();
  });
  route('GET', '/groups/:id/owners', (_request, params) => {
    tenant.requireActive('groups', params.id ?? '');
    return ok(tenant.groupOwnersOf(params.id ?? ''));
  });
  route('POST', '/groups/:id/owners', (request, params) => {
    tenant.addGroupOwner(params.id ?? '', parse(groupOwnerSchema, request).ownerId);
    return noContent();
  });
  route('DELETE', '/groups/:id/owners/:ownerId', (_request, params) => {
    tenant.removeGroupOwner(params.id ?? '', params.ownerId ?? '');
    return noContent();
  });
  route('POST', '/syntheticObjects', (request) => {
    const body = parse(syntheticObjectSchema, request);
    return ok({ id: tenant.addSyntheticObject(body.kind, body.id), kind: body.kind }, 201);
  });

  for (const stream of ['applications', 'servicePrincipals'] as const) {
    route('GET', `/${stream}/:id/owners`, (_request, params) => {
      tenant.requireActive(stream, params.id ?? '');
      return ok(tenant.activeOwnersOf(params.id ?? ''));
    });
    route('POST', `/${stream}/:id/owners`, (request, params) => {
      const body = parse(ownerSchema, request);
      tenant.addOwner(params.id ?? '', body.ownerId, changeOptions(tenant, body));
      return noContent();
    });
    route('DELETE', `/${stream}/:id/owners/:ownerId`, (request, params) => {
      tenant.removeOwner(params.id ?? '', params.ownerId ?? '', changeOptions(tenant, parse(actorSchema, request)));
      return noContent();
    });
    route('POST', `/${stream}/:id/passwordCredentials`, (request, params) => {
      const { actorUserId, actorServicePrincipalId, silent, ...input } = parse(passwordCredentialSchema, request);
      return ok(tenant.addPasswordCredential(params.id ?? '', input, changeOptions(tenant, { actorUserId, actorServicePrincipalId, silent })), 201);
    });
    route('POST', `/${stream}/:id/keyCredentials`, (request, params) => {
      const { actorUserId, actorServicePrincipalId, silent, ...input } = parse(keyCredentialSchema, request);
      return ok(tenant.addKeyCredential(params.id ?? '', input, changeOptions(tenant, { actorUserId, actorServicePrincipalId, silent })), 201);
    });
    route('DELETE', `/${stream}/:id/credentials/:keyId`, (request, params) => {
      tenant.removeCredential(params.id ?? '', params.keyId ?? '', changeOptions(tenant, parse(actorSchema, request)));
      return noContent();
    });
  }

  route('GET', '/servicePrincipals/:id/appRoleAssignedTo', (_request, params) => {
    tenant.requireActive('servicePrincipals', params.id ?? '');
    return ok(tenant.activeAppRoleAssignmentsOf(params.id ?? ''));
  });
  route('POST', '/servicePrincipals/:id/appRoleAssignedTo', (request, params) => {
    const { actorUserId, actorServicePrincipalId, silent, ...input } = parse(appRoleAssignmentSchema, request);
    return ok(tenant.assignAppRole({ ...input, resourceId: params.id ?? '' }, changeOptions(tenant, { actorUserId, actorServicePrincipalId, silent })), 201);
  });
  route('DELETE', '/appRoleAssignments/:id', (request, params) => {
    tenant.removeAppRoleAssignment(params.id ?? '', changeOptions(tenant, parse(actorSchema, request)));
    return noContent();
  });

  route('POST', '/roleAssignments', (request) => {
    const { actorUserId, actorServicePrincipalId, silent, ...input } = parse(roleAssignmentSchema, request);
    return ok(tenant.assignDirectoryRole(input, changeOptions(tenant, { actorUserId, actorServicePrincipalId, silent })), 201);
  });
  route('DELETE', '/roleAssignments/:id', (_request, params) => {
    tenant.removeDirectoryRoleAssignment(params.id ?? '');
    return noContent();
  });

  route('POST', '/oauth2PermissionGrants', (request) => {
    const { actorUserId, actorServicePrincipalId, silent, ...input } = parse(permissionGrantSchema, request);
    return ok(tenant.addPermissionGrant(input, changeOptions(tenant, { actorUserId, actorServicePrincipalId, silent })), 201);
  });
  route('DELETE', '/oauth2PermissionGrants/:id', (_request, params) => {
    tenant.removePermissionGrant(params.id ?? '');
    return noContent();
  });
}

/** The audit actor named in a control request, if any. */
export function changeOptions(
  tenant: TenantStore,
  body: { actorUserId?: string | undefined; actorServicePrincipalId?: string | undefined; silent?: boolean | undefined },
): ChangeOptions {
  let actor: AuditInitiator | undefined;
  if (body.actorUserId) actor = userInitiator(tenant.requireActive('users', body.actorUserId).properties);
  else if (body.actorServicePrincipalId) actor = appInitiator(tenant.requireActive('servicePrincipals', body.actorServicePrincipalId).properties);
  return { ...(actor ? { actor } : {}), ...(body.silent ? { silent: true } : {}) };
}
