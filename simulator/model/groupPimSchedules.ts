import { InvalidStateError, ObjectNotFoundError } from './simulatorErrors';

/**
 * PIM for Groups: a principal eligible for (or actively given, until a date) membership or
 * ownership of a group onboarded to PIM. One record per (group, principal, access, kind).
 */
export interface GroupPimSchedule {
  kind: 'eligible' | 'active';
  /** `{groupId}_{accessId}_{scheduleId}`, the shape Graph's examples show. */
  id: string;
  scheduleId: string;
  groupId: string;
  principalId: string;
  accessId: 'member' | 'owner';
  startDateTime: string;
  endDateTime: string | null;
  memberType: 'direct' | 'group';
  /** Active ones: assigned by an admin, or activated from an eligibility. */
  assignmentType: 'assigned' | 'activated' | null;
}

export class GroupPimSchedules {
  private readonly schedules = new Map<string, GroupPimSchedule>();

  add(schedule: GroupPimSchedule): GroupPimSchedule {
    for (const existing of this.schedules.values()) {
      if (existing.kind === schedule.kind && existing.groupId === schedule.groupId && existing.principalId === schedule.principalId && existing.accessId === schedule.accessId) {
        throw new InvalidStateError(`${schedule.principalId} already has a ${schedule.kind} ${schedule.accessId} schedule on group ${schedule.groupId}`);
      }
    }
    this.schedules.set(schedule.id, schedule);
    return schedule;
  }

  remove(id: string): void {
    if (!this.schedules.delete(id)) throw new ObjectNotFoundError('groupPimSchedules', id);
  }

  all(): GroupPimSchedule[] {
    return [...this.schedules.values()].map((s) => ({ ...s }));
  }

  /** Hard delete of a group or a principal. */
  forget(objectId: string): void {
    for (const [id, s] of this.schedules) if (s.groupId === objectId || s.principalId === objectId) this.schedules.delete(id);
  }
}
