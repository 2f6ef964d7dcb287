// App role assignments to users, groups and service principals, checked against the resource's roles.

import { DEFAULT_ACCESS_APP_ROLE_ID, type AppRoleAssignment, type AppRolePrincipalType } from '../model/appRoleAssignments';
import { AUDIT_ACTIVITIES, directoryAudit, target } from '../model/directoryAudit';
import { appRoleAssignmentId } from '../model/objectIds';
import { InvalidStateError, ObjectNotFoundError } from '../model/simulatorErrors';
import { graphDateTime } from '../model/userResource';
import { appendChangeAudit } from './changeAudit';
import type { ChangeOptions, NewAppRoleAssignment } from './tenantModel';
import type { TenantStore } from './tenantStore';

export function assignAppRole(tenant: TenantStore, input: NewAppRoleAssignment, options: ChangeOptions): AppRoleAssignment {
  const resource = tenant.requireActive('servicePrincipals', input.resourceId);
  const principalId = input.principalId.toLowerCase();
  const principalType = appRolePrincipalType(tenant, principalId);
  const appRoleId = (input.appRoleId ?? DEFAULT_ACCESS_APP_ROLE_ID).toLowerCase();
  if (appRoleId !== DEFAULT_ACCESS_APP_ROLE_ID) {
    const role = resource.properties.appRoles.find((r) => r.id === appRoleId);
    if (!role || !role.isEnabled) throw new InvalidStateError(`app role ${appRoleId} is not an enabled role of ${resource.id}`);
    const memberType = principalType === 'ServicePrincipal' ? 'Application' : 'User';
    if (!role.allowedMemberTypes.includes(memberType)) throw new InvalidStateError(`app role ${appRoleId} does not allow ${memberType}`);
  }
  const assignment = tenant.appRoleAssignments.add({
    id: input.id ?? appRoleAssignmentId(tenant.ids, principalId),
    appRoleId,
    createdDateTime: input.createdDateTime ?? graphDateTime(tenant.currentTime()),
    deletedDateTime: null,
    principalId,
    principalType,
    principalDisplayName: tenant.displayNameOf(principalId),
    resourceId: resource.id,
    resourceDisplayName: resource.properties.displayName,
  });
  auditAssignmentChange(tenant, options, assignment, 'add');
  return renderAppRoleAssignment(tenant, assignment);
}

export function removeAppRoleAssignment(tenant: TenantStore, id: string, options: ChangeOptions): void {
  const removed = tenant.appRoleAssignments.remove(id);
  auditAssignmentChange(tenant, options, removed, 'remove');
}

const ASSIGNMENT_ACTIVITIES: Record<AppRolePrincipalType, { add: string; remove: string; category: string }> = {
  User: { add: AUDIT_ACTIVITIES.addAppRoleAssignmentGrantToUser, remove: AUDIT_ACTIVITIES.removeAppRoleAssignmentFromUser, category: 'UserManagement' },
  Group: { add: AUDIT_ACTIVITIES.addAppRoleAssignmentToGroup, remove: AUDIT_ACTIVITIES.removeAppRoleAssignmentFromGroup, category: 'GroupManagement' },
  ServicePrincipal: {
    add: AUDIT_ACTIVITIES.addAppRoleAssignmentToServicePrincipal,
    remove: AUDIT_ACTIVITIES.removeAppRoleAssignmentFromServicePrincipal,
    category: 'ApplicationManagement',
  },
};

/** The event names the resource (with the role) and the principal, whichever kind the principal is. */
function auditAssignmentChange(tenant: TenantStore, options: ChangeOptions, assignment: AppRoleAssignment, change: 'add' | 'remove'): void {
  const activity = ASSIGNMENT_ACTIVITIES[assignment.principalType];
  const role = JSON.stringify(assignment.appRoleId);
  appendChangeAudit(tenant, options, (context) =>
    directoryAudit(context, {
      activityDisplayName: activity[change],
      category: activity.category,
      operationType: change === 'add' ? 'Assign' : 'Unassign',
      targetResources: [
        target(assignment.resourceId, 'ServicePrincipal', tenant.displayNameOf(assignment.resourceId) ?? assignment.resourceDisplayName, [
          { displayName: 'AppRole.Id', oldValue: change === 'add' ? null : role, newValue: change === 'add' ? role : null },
        ]),
        target(assignment.principalId, assignment.principalType, tenant.displayNameOf(assignment.principalId) ?? assignment.principalDisplayName),
      ],
    }),
  );
}

/** Assignments of the resource whose principal is active, display names current. */
export function activeAppRoleAssignmentsOf(tenant: TenantStore, resourceId: string): AppRoleAssignment[] {
  return tenant.appRoleAssignments
    .assignedTo(resourceId.toLowerCase())
    .filter((assignment) => tenant.isActive(assignment.principalId))
    .map((assignment) => renderAppRoleAssignment(tenant, assignment));
}

function renderAppRoleAssignment(tenant: TenantStore, assignment: AppRoleAssignment): AppRoleAssignment {
  return {
    ...assignment,
    principalDisplayName: tenant.displayNameOf(assignment.principalId) ?? assignment.principalDisplayName,
    resourceDisplayName: tenant.displayNameOf(assignment.resourceId) ?? assignment.resourceDisplayName,
  };
}

function appRolePrincipalType(tenant: TenantStore, principalId: string): AppRolePrincipalType {
  const kind = tenant.objectKind(principalId);
  if (kind !== 'user' && kind !== 'group' && kind !== 'servicePrincipal') throw new ObjectNotFoundError('principal', principalId);
  if (!tenant.isActive(principalId)) throw new InvalidStateError(`${principalId} is deleted`);
  return kind === 'user' ? 'User' : kind === 'group' ? 'Group' : 'ServicePrincipal';
}
