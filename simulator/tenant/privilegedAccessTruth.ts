// Who holds or may activate which directory role, and how: the expected content of the
// privileged_role_members view, computed from the tenant store alone (independent of the Graph
// handlers), so tests compare the connector's database against it.

import type { GrantPath } from './groundTruth';
import type { TenantStore } from './tenantStore';

export interface PrivilegedAccessTruth {
  principalId: string;
  principalType: 'User' | 'ServicePrincipal' | 'Group';
  roleDefinitionId: string;
  directoryScopeId: string;
  /** active: holds the role now; eligible: may activate it through PIM. */
  state: 'active' | 'eligible';
  /** Active ones: Assigned or Activated; eligible ones: null. */
  assignmentType: 'Assigned' | 'Activated' | null;
  startDateTime: string;
  /** null: permanent. */
  endDateTime: string | null;
  /** The role assignment's id (active) or the eligibility schedule instance's id (eligible). */
  sourceId: string;
  grantedVia: GrantPath;
  viaGroupId: string | null;
}

type Holder = Omit<PrivilegedAccessTruth, 'principalId' | 'principalType' | 'grantedVia' | 'viaGroupId'> & { principalId: string };

/** Every active and eligible role holder; a role-assignable group's direct members inherit its rows. */
export function privilegedAccess(tenant: TenantStore): PrivilegedAccessTruth[] {
  const holders: Holder[] = [
    ...tenant.activeRoleSchedules().map((a) => ({
      principalId: a.principalId,
      roleDefinitionId: a.roleDefinitionId,
      directoryScopeId: a.directoryScopeId,
      state: 'active' as const,
      assignmentType: a.assignmentType,
      startDateTime: a.startDateTime,
      endDateTime: a.endDateTime,
      sourceId: a.roleAssignmentOriginId,
    })),
    ...tenant.currentRoleEligibilities().map((e) => ({
      principalId: e.principalId,
      roleDefinitionId: e.roleDefinitionId,
      directoryScopeId: e.directoryScopeId,
      state: 'eligible' as const,
      assignmentType: null,
      startDateTime: e.startDateTime,
      endDateTime: e.endDateTime,
      sourceId: e.id,
    })),
  ];
  const result: PrivilegedAccessTruth[] = [];
  for (const holder of holders) {
    const kind = tenant.objectKind(holder.principalId);
    const principalType = kind === 'group' ? 'Group' : kind === 'servicePrincipal' ? 'ServicePrincipal' : 'User';
    result.push({ ...holder, principalType, grantedVia: 'direct', viaGroupId: null });
    if (kind !== 'group') continue;
    for (const memberId of tenant.memberships.sortedMembersOf(holder.principalId)) {
      const memberKind = tenant.objectKind(memberId);
      if ((memberKind !== 'user' && memberKind !== 'servicePrincipal') || !tenant.isActive(memberId)) continue;
      result.push({ ...holder, principalId: memberId, principalType: memberKind === 'user' ? 'User' : 'ServicePrincipal', grantedVia: 'group', viaGroupId: holder.principalId });
    }
  }
  return result;
}
