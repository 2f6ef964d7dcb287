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
  /** groupPim paths: the PIM for Groups schedule instance the membership rests on. */
  viaGroupScheduleInstanceId: string | null;
}

type Holder = Omit<PrivilegedAccessTruth, 'principalId' | 'principalType' | 'grantedVia' | 'viaGroupId' | 'viaGroupScheduleInstanceId'> & { principalId: string };

/**
 * Every active and eligible role holder; a role-assignable group's direct members inherit its
 * rows, and so does whoever PIM for Groups makes eligible for (or time-bound active in) its
 * membership: active only when both the role and the membership are, for the overlap of both
 * windows. A direct member whose membership is such a time-bound assignment shows on that path only.
 */
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
    result.push({ ...holder, principalType, grantedVia: 'direct', viaGroupId: null, viaGroupScheduleInstanceId: null });
    if (kind !== 'group') continue;
    const pim = tenant.currentGroupPimSchedules().filter((s) => s.groupId === holder.principalId && s.accessId === 'member');
    const timeBound = new Set(pim.filter((s) => s.kind === 'active').map((s) => s.principalId));
    for (const memberId of tenant.memberships.sortedMembersOf(holder.principalId)) {
      const memberKind = tenant.objectKind(memberId);
      if ((memberKind !== 'user' && memberKind !== 'servicePrincipal') || !tenant.isActive(memberId) || timeBound.has(memberId)) continue;
      result.push({ ...holder, principalId: memberId, principalType: memberKind === 'user' ? 'User' : 'ServicePrincipal', grantedVia: 'group', viaGroupId: holder.principalId, viaGroupScheduleInstanceId: null });
    }
    for (const schedule of pim) {
      const principalKind = tenant.objectKind(schedule.principalId);
      if (principalKind !== 'user' && principalKind !== 'servicePrincipal') continue;
      const active = holder.state === 'active' && schedule.kind === 'active';
      result.push({
        ...holder,
        principalId: schedule.principalId,
        principalType: principalKind === 'user' ? 'User' : 'ServicePrincipal',
        state: active ? 'active' : 'eligible',
        assignmentType: active ? holder.assignmentType : null,
        startDateTime: latest(holder.startDateTime, schedule.startDateTime),
        endDateTime: earliestEnd(holder.endDateTime, schedule.endDateTime),
        grantedVia: 'groupPim',
        viaGroupId: holder.principalId,
        viaGroupScheduleInstanceId: schedule.id,
      });
    }
  }
  return result;
}

const latest = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);
/** null is permanent, so the other end wins. */
const earliestEnd = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(a) <= Date.parse(b) ? a : b);
