// What a correct sync of this tenant must hold, computed straight from the tenant store by
// the rules in docs/architecture.md and independent of the Graph handlers and the delta engine, so tests can
// compare a connector's database (or a replayed delta stream) against it.

import type { AppRoleAssignment } from '../model/appRoleAssignments';
import type { DirectoryObjectKind } from '../model/directoryObjects';
import type { RoleAssignment } from '../model/directoryRoles';
import type { StreamName, StreamObjects, TenantStore } from './tenantStore';

export interface MembershipTruth {
  groupId: string;
  memberId: string;
  memberType: DirectoryObjectKind;
}

export interface OwnershipTruth {
  objectId: string;
  objectType: 'application' | 'servicePrincipal';
  ownerId: string;
  ownerType: 'user' | 'servicePrincipal';
}

export interface GroupOwnershipTruth {
  groupId: string;
  ownerId: string;
  ownerType: 'user' | 'servicePrincipal';
}

/** groupPim: eligible for, or time-bound active in, the group's membership through PIM for Groups. */
export type GrantPath = 'direct' | 'group' | 'groupPim';

/** Someone holding a directory role, directly or as a direct member of a role-assignable group. */
export interface RoleMembershipTruth {
  principalId: string;
  principalType: 'User' | 'ServicePrincipal' | 'Group';
  roleDefinitionId: string;
  roleDisplayName: string;
  directoryScopeId: string;
  appScopeId: string | null;
  assignmentId: string;
  grantedVia: GrantPath;
  viaGroupId: string | null;
}

/** A user or service principal reaching an enterprise app (service principal) through an app role. */
export interface EntitlementTruth {
  principalId: string;
  principalType: 'User' | 'ServicePrincipal';
  resourceId: string;
  appRoleId: string;
  assignmentId: string;
  grantedVia: GrantPath;
  viaGroupId: string | null;
}

export type CredentialStatus = 'expired' | 'expiringSoon' | 'valid';

export interface CredentialTruth {
  ownerId: string;
  ownerType: 'application' | 'servicePrincipal';
  keyId: string;
  kind: 'password' | 'key';
  displayName: string | null;
  startDateTime: string;
  endDateTime: string;
  status: CredentialStatus;
}

export const EXPIRING_SOON_DAYS = 30;

/** Active objects of a stream, all properties, sorted by id. */
export function activeObjects<S extends StreamName>(tenant: TenantStore, stream: S): StreamObjects[S][] {
  return tenant.activeObjects(stream);
}

/** Direct memberships of active groups (members are always active: deletion takes them out). */
export function directMemberships(tenant: TenantStore): MembershipTruth[] {
  const result: MembershipTruth[] = [];
  for (const record of tenant.groups.activeRecords()) {
    for (const memberId of tenant.memberships.sortedMembersOf(record.id)) {
      result.push({ groupId: record.id, memberId, memberType: tenant.objectKind(memberId) ?? 'user' });
    }
  }
  return result;
}

/** Owners of active groups (owners are always active: soft-deleting one takes it out, as for members). */
export function groupOwnerships(tenant: TenantStore): GroupOwnershipTruth[] {
  const result: GroupOwnershipTruth[] = [];
  for (const record of tenant.groups.activeRecords()) {
    for (const ownerId of tenant.groupOwnersOf(record.id)) {
      result.push({ groupId: record.id, ownerId, ownerType: tenant.objectKind(ownerId) === 'servicePrincipal' ? 'servicePrincipal' : 'user' });
    }
  }
  return result;
}

/** Owners of active applications and service principals, active owners only. */
export function ownerships(tenant: TenantStore): OwnershipTruth[] {
  const result: OwnershipTruth[] = [];
  for (const stream of ['applications', 'servicePrincipals'] as const) {
    for (const record of tenant.streamOf(stream).activeRecords()) {
      for (const ownerId of [...tenant.activeOwnersOf(record.id)].sort()) {
        result.push({
          objectId: record.id,
          objectType: stream === 'applications' ? 'application' : 'servicePrincipal',
          ownerId,
          ownerType: tenant.objectKind(ownerId) === 'servicePrincipal' ? 'servicePrincipal' : 'user',
        });
      }
    }
  }
  return result;
}

/** App role assignments on active service principals to active principals, by resource then id. */
export function appRoleAssignments(tenant: TenantStore): AppRoleAssignment[] {
  const result: AppRoleAssignment[] = [];
  for (const record of tenant.servicePrincipals.activeRecords()) {
    result.push(...tenant.activeAppRoleAssignmentsOf(record.id).sort(byId));
  }
  return result;
}

/** Active directory role assignments to active principals, sorted by id. */
export function roleAssignments(tenant: TenantStore): RoleAssignment[] {
  return tenant.activeRoleAssignments().sort(byId);
}

/**
 * Who holds which directory role at which scope: user and service principal assignees
 * directly, role-assignable groups as themselves and through each direct member.
 */
export function roleMemberships(tenant: TenantStore): RoleMembershipTruth[] {
  const names = new Map(tenant.roleDefinitions.map((definition) => [definition.id, definition.displayName]));
  const result: RoleMembershipTruth[] = [];
  for (const assignment of roleAssignments(tenant)) {
    const kind = tenant.objectKind(assignment.principalId);
    const base = {
      roleDefinitionId: assignment.roleDefinitionId,
      roleDisplayName: names.get(assignment.roleDefinitionId) ?? assignment.roleDefinitionId,
      directoryScopeId: assignment.directoryScopeId,
      appScopeId: assignment.appScopeId,
      assignmentId: assignment.id,
    };
    const principalType = kind === 'group' ? 'Group' : kind === 'servicePrincipal' ? 'ServicePrincipal' : 'User';
    result.push({ ...base, principalId: assignment.principalId, principalType, grantedVia: 'direct', viaGroupId: null });
    if (kind !== 'group') continue;
    for (const memberId of tenant.memberships.sortedMembersOf(assignment.principalId)) {
      const memberKind = tenant.objectKind(memberId);
      if (memberKind !== 'user' && memberKind !== 'servicePrincipal') continue;
      result.push({
        ...base,
        principalId: memberId,
        principalType: memberKind === 'user' ? 'User' : 'ServicePrincipal',
        grantedVia: 'group',
        viaGroupId: assignment.principalId,
      });
    }
  }
  return result;
}

/**
 * Effective enterprise-app entitlements (docs/architecture.md): a user reaches a service principal through
 * a direct app role assignment or through an assignment to a group it is a DIRECT member of
 * (never through nested groups); service principals assigned directly count too. One record
 * per path, so a user entitled directly and through two groups appears three times.
 */
export function effectiveEntitlements(tenant: TenantStore): EntitlementTruth[] {
  const result: EntitlementTruth[] = [];
  for (const assignment of appRoleAssignments(tenant)) {
    const base = { resourceId: assignment.resourceId, appRoleId: assignment.appRoleId, assignmentId: assignment.id };
    if (assignment.principalType !== 'Group') {
      result.push({ ...base, principalId: assignment.principalId, principalType: assignment.principalType, grantedVia: 'direct', viaGroupId: null });
      continue;
    }
    if (!tenant.isActive(assignment.principalId)) continue;
    for (const memberId of tenant.memberships.sortedMembersOf(assignment.principalId)) {
      if (tenant.objectKind(memberId) !== 'user') continue;
      result.push({ ...base, principalId: memberId, principalType: 'User', grantedVia: 'group', viaGroupId: assignment.principalId });
    }
  }
  return result.sort(
    (a, b) =>
      compare(a.resourceId, b.resourceId) ||
      compare(a.principalId, b.principalId) ||
      compare(a.assignmentId, b.assignmentId) ||
      compare(a.viaGroupId ?? '', b.viaGroupId ?? ''),
  );
}

/** Secrets and certificates of active apps and service principals with their expiry status at `now`. */
export function credentials(tenant: TenantStore, now: Date = tenant.currentTime()): CredentialTruth[] {
  const result: CredentialTruth[] = [];
  const soon = now.getTime() + EXPIRING_SOON_DAYS * 86_400_000;
  const status = (end: string): CredentialStatus => {
    const time = Date.parse(end);
    return time <= now.getTime() ? 'expired' : time <= soon ? 'expiringSoon' : 'valid';
  };
  for (const stream of ['applications', 'servicePrincipals'] as const) {
    for (const record of tenant.streamOf(stream).activeRecords()) {
      const ownerType = stream === 'applications' ? 'application' : 'servicePrincipal';
      const { passwordCredentials, keyCredentials } = record.properties;
      for (const credential of passwordCredentials) {
        result.push({ ownerId: record.id, ownerType, keyId: credential.keyId, kind: 'password', displayName: credential.displayName, startDateTime: credential.startDateTime, endDateTime: credential.endDateTime, status: status(credential.endDateTime) });
      }
      for (const credential of keyCredentials) {
        result.push({ ownerId: record.id, ownerType, keyId: credential.keyId, kind: 'key', displayName: credential.displayName, startDateTime: credential.startDateTime, endDateTime: credential.endDateTime, status: status(credential.endDateTime) });
      }
    }
  }
  return result;
}

function byId(a: { id: string }, b: { id: string }): number {
  return compare(a.id, b.id);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
