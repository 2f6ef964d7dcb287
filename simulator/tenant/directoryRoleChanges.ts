// Directory role assignments: who may hold a role, and at which scopes.

import { isGuid } from '../model/directoryObjects';
import { AUDIT_ACTIVITIES, directoryAudit, target } from '../model/directoryAudit';
import type { RoleAssignment } from '../model/directoryRoles';
import { roleAssignmentId } from '../model/objectIds';
import { InvalidStateError, ObjectNotFoundError } from '../model/simulatorErrors';
import { appendChangeAudit } from './changeAudit';
import type { ChangeOptions, NewRoleAssignment } from './tenantModel';
import type { TenantStore } from './tenantStore';

export function assignDirectoryRole(tenant: TenantStore, input: NewRoleAssignment, options: ChangeOptions): RoleAssignment {
  const principalId = input.principalId.toLowerCase();
  const kind = tenant.objectKind(principalId);
  if (kind !== 'user' && kind !== 'group' && kind !== 'servicePrincipal') throw new ObjectNotFoundError('principal', input.principalId);
  if (!tenant.isActive(principalId)) throw new InvalidStateError(`${input.principalId} is deleted`);
  if (kind === 'group' && !tenant.groups.get(principalId)?.properties.isAssignableToRole) {
    throw new InvalidStateError('only role-assignable groups (isAssignableToRole) can hold directory roles');
  }
  const definition = tenant.roleDefinitions.find((d) => d.id === input.roleDefinitionId.toLowerCase());
  if (!definition) throw new ObjectNotFoundError('roleDefinitions', input.roleDefinitionId);
  const directoryScopeId = input.directoryScopeId ?? '/';
  requireValidScope(tenant, directoryScopeId);
  const assignment = tenant.roleAssignments.add({
    id: input.id ?? roleAssignmentId(tenant.ids),
    principalId,
    roleDefinitionId: definition.id,
    directoryScopeId,
    appScopeId: input.appScopeId === undefined ? null : input.appScopeId,
    condition: null,
  });
  appendChangeAudit(tenant, options, (context) =>
    directoryAudit(context, {
      activityDisplayName: AUDIT_ACTIVITIES.addMemberToRole,
      category: 'RoleManagement',
      operationType: 'Assign',
      targetResources: [
        target(principalId, kind === 'user' ? 'User' : kind === 'group' ? 'Group' : 'ServicePrincipal', tenant.displayNameOf(principalId), [
          { displayName: 'Role.DisplayName', oldValue: null, newValue: JSON.stringify(definition.displayName) },
          { displayName: 'Role.TemplateId', oldValue: null, newValue: JSON.stringify(definition.templateId) },
        ]),
      ],
    }),
  );
  return { ...assignment };
}

/** Role assignments whose principal is active. */
export function activeRoleAssignments(tenant: TenantStore): RoleAssignment[] {
  return [...tenant.roleAssignments.all()].filter((a) => tenant.isActive(a.principalId)).map((a) => ({ ...a }));
}

export function requireValidScope(tenant: TenantStore, scope: string): void {
  if (scope === '/') return;
  const administrativeUnit = /^\/administrativeUnits\/([^/]+)$/.exec(scope);
  if (administrativeUnit && isGuid(administrativeUnit[1] as string)) return;
  const objectScope = /^\/([^/]+)$/.exec(scope);
  if (objectScope && tenant.objectKind(objectScope[1] as string) === 'application' && tenant.isActive(objectScope[1] as string)) return;
  throw new InvalidStateError(`invalid directoryScopeId ${scope}: use "/", "/administrativeUnits/{id}" or "/{applicationObjectId}"`);
}
