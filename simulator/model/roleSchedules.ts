import { InvalidStateError, ObjectNotFoundError } from './simulatorErrors';

/** How a schedule reaches its principal: Graph's memberType on PIM schedule instances. */
export type RoleScheduleMemberType = 'Direct' | 'Group' | 'Inherited';

/**
 * A PIM eligibility for a directory role (a unifiedRoleEligibilityScheduleInstance): the
 * principal may activate the role between start and end (no end: eligible permanently).
 */
export interface RoleEligibility {
  id: string;
  roleEligibilityScheduleId: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  appScopeId: string | null;
  startDateTime: string;
  endDateTime: string | null;
  memberType: RoleScheduleMemberType;
}

/**
 * When an active role assignment holds, as PIM schedules it: `Assigned` (given active, maybe
 * until an end) or `Activated` (an eligible principal activated it, always until an end).
 */
export interface ActiveRoleWindow {
  roleAssignmentScheduleId: string;
  startDateTime: string;
  endDateTime: string | null;
  assignmentType: 'Assigned' | 'Activated';
}

/** PIM eligibilities by instance id, one per (principal, role, scope). */
export class RoleEligibilities {
  private readonly eligibilities = new Map<string, RoleEligibility>();

  add(eligibility: RoleEligibility): RoleEligibility {
    if (this.eligibilities.has(eligibility.id)) throw new InvalidStateError(`role eligibility ${eligibility.id} already exists`);
    for (const existing of this.eligibilities.values()) {
      if (
        existing.principalId === eligibility.principalId &&
        existing.roleDefinitionId === eligibility.roleDefinitionId &&
        existing.directoryScopeId === eligibility.directoryScopeId
      ) {
        throw new InvalidStateError(`${eligibility.principalId} is already eligible for role ${eligibility.roleDefinitionId} at ${eligibility.directoryScopeId}`);
      }
    }
    this.eligibilities.set(eligibility.id, eligibility);
    return eligibility;
  }

  remove(id: string): RoleEligibility {
    const eligibility = this.eligibilities.get(id);
    if (!eligibility) throw new ObjectNotFoundError('roleEligibilities', id);
    this.eligibilities.delete(id);
    return eligibility;
  }

  all(): IterableIterator<RoleEligibility> {
    return this.eligibilities.values();
  }

  /** Hard delete of a principal (or of the app a scope points at). */
  forget(objectId: string): void {
    for (const [id, eligibility] of this.eligibilities) {
      if (eligibility.principalId === objectId || eligibility.directoryScopeId === `/${objectId}`) this.eligibilities.delete(id);
    }
  }
}
