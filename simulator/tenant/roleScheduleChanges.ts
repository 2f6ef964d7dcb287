// PIM for directory roles: eligibilities, and the schedule (start, end, how) of active assignments.

import { createHash } from 'node:crypto';
import type { RoleAssignment } from '../model/directoryRoles';
import { roleEligibilityId } from '../model/objectIds';
import type { ActiveRoleWindow, RoleEligibility } from '../model/roleSchedules';
import { InvalidStateError, ObjectNotFoundError } from '../model/simulatorErrors';
import { requireValidScope } from './directoryRoleChanges';
import type { NewRoleEligibility } from './tenantModel';
import type { TenantStore } from './tenantStore';

/** An active role assignment as PIM lists it (a unifiedRoleAssignmentScheduleInstance). */
export interface ActiveRoleScheduleInstance extends ActiveRoleWindow {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  appScopeId: string | null;
  memberType: 'Direct';
  roleAssignmentOriginId: string;
}

export function addRoleEligibility(tenant: TenantStore, input: NewRoleEligibility): RoleEligibility {
  const principalId = input.principalId.toLowerCase();
  const kind = tenant.objectKind(principalId);
  if (kind !== 'user' && kind !== 'group' && kind !== 'servicePrincipal') throw new ObjectNotFoundError('principal', input.principalId);
  if (!tenant.isActive(principalId)) throw new InvalidStateError(`${input.principalId} is deleted`);
  if (kind === 'group' && !tenant.groups.get(principalId)?.properties.isAssignableToRole) {
    throw new InvalidStateError('only role-assignable groups (isAssignableToRole) can be eligible for directory roles');
  }
  const definition = tenant.roleDefinitions.find((d) => d.id === input.roleDefinitionId.toLowerCase());
  if (!definition) throw new ObjectNotFoundError('roleDefinitions', input.roleDefinitionId);
  const directoryScopeId = input.directoryScopeId ?? '/';
  requireValidScope(tenant, directoryScopeId);
  const startDateTime = input.startDateTime ?? tenant.currentTime().toISOString();
  const endDateTime = input.endDateTime ?? null;
  if (endDateTime !== null && Date.parse(endDateTime) <= Date.parse(startDateTime)) throw new InvalidStateError('endDateTime must be after startDateTime');
  const eligibility = tenant.roleEligibilities.add({
    id: input.id ?? roleEligibilityId(tenant.ids),
    roleEligibilityScheduleId: tenant.ids.guid(),
    principalId,
    roleDefinitionId: definition.id,
    directoryScopeId,
    appScopeId: input.appScopeId ?? null,
    startDateTime,
    endDateTime,
    memberType: 'Direct',
  });
  return { ...eligibility };
}

/** Sets when an active assignment holds; an end in the past ends the assignment itself. */
export function scheduleActiveRole(tenant: TenantStore, assignmentId: string, window: Partial<Omit<ActiveRoleWindow, 'roleAssignmentScheduleId'>>): ActiveRoleWindow {
  if (!tenant.roleAssignments.get(assignmentId)) throw new ObjectNotFoundError('roleAssignments', assignmentId);
  const current = windowOf(tenant, assignmentId);
  const next: ActiveRoleWindow = { ...current, ...window };
  if (next.endDateTime !== null && Date.parse(next.endDateTime) <= Date.parse(next.startDateTime)) throw new InvalidStateError('endDateTime must be after startDateTime');
  if (next.assignmentType === 'Activated' && next.endDateTime === null) throw new InvalidStateError('an activated assignment always has an endDateTime');
  tenant.activeRoleWindows.set(assignmentId, next);
  return { ...next };
}

/** A permanent, assigned window; the schedule id derives from the assignment's, so reads draw no ids. */
export function permanentWindow(assignmentId: string, startDateTime: string): ActiveRoleWindow {
  const hex = createHash('sha256').update(`roleAssignmentSchedule:${assignmentId}`).digest('hex');
  const roleAssignmentScheduleId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return { roleAssignmentScheduleId, startDateTime, endDateTime: null, assignmentType: 'Assigned' };
}

/** An assignment's window; one never scheduled is permanent from the first time it is asked for. */
function windowOf(tenant: TenantStore, assignmentId: string): ActiveRoleWindow {
  let window = tenant.activeRoleWindows.get(assignmentId);
  if (!window) {
    window = permanentWindow(assignmentId, tenant.currentTime().toISOString());
    tenant.activeRoleWindows.set(assignmentId, window);
  }
  return window;
}

/** Whether a window holds now: started, and not ended. */
export function isCurrent(window: { startDateTime: string; endDateTime: string | null }, now: Date): boolean {
  return Date.parse(window.startDateTime) <= now.getTime() && (window.endDateTime === null || Date.parse(window.endDateTime) > now.getTime());
}

/**
 * Whether a schedule instance list shows the window now: from its start until its end, and on for
 * `listedAfterEndMs` past the end (TenantStore.endedInstancesListedForMs).
 */
export function isListed(window: { startDateTime: string; endDateTime: string | null }, now: Date, listedAfterEndMs: number): boolean {
  const started = Date.parse(window.startDateTime) <= now.getTime();
  return started && (window.endDateTime === null || Date.parse(window.endDateTime) + Math.max(0, listedAfterEndMs) > now.getTime());
}

/** Eligibilities in force now (or lingering past their end), of active principals: what roleEligibilityScheduleInstances lists. */
export function currentRoleEligibilities(tenant: TenantStore): RoleEligibility[] {
  const now = tenant.currentTime();
  return [...tenant.roleEligibilities.all()]
    .filter((e) => tenant.isActive(e.principalId) && isListed(e, now, tenant.endedInstancesListedForMs))
    .map((e) => ({ ...e }));
}

/** Active assignments with their windows: what roleAssignmentScheduleInstances lists. */
export function currentActiveRoleSchedules(tenant: TenantStore, assignments: readonly RoleAssignment[]): ActiveRoleScheduleInstance[] {
  return assignments.map((assignment) => {
    const window = windowOf(tenant, assignment.id);
    return {
      id: assignment.id,
      principalId: assignment.principalId,
      roleDefinitionId: assignment.roleDefinitionId,
      directoryScopeId: assignment.directoryScopeId,
      appScopeId: assignment.appScopeId,
      memberType: 'Direct',
      roleAssignmentOriginId: assignment.id,
      ...window,
    };
  });
}
