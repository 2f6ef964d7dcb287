import type { GroupPimSchedule } from '../model/groupPimSchedules';
import type { GroupProperties } from '../model/groupResource';
import type { UserProperties } from '../model/userResource';
import { DAY_MS, sample, type GenerationContext, type Indexed } from './generationContext';
import { createRandomFrom } from './random';

/**
 * PIM for Groups, from its own random stream: staff eligible for membership (some for
 * ownership) of role-assignable groups, and some existing members there for a limited time
 * (active, assigned until a date; memberships themselves are unchanged). Ends lie 400+ days
 * after the anchor, as for directory roles.
 */
export function generateGroupPim(context: GenerationContext, roleAssignableGroups: readonly GroupProperties[], members: ReadonlyMap<string, readonly string[]>): GroupPimSchedule[] {
  const random = createRandomFrom(context.seed, 'groupPim');
  const at = (days: number) => new Date(context.anchor + days * DAY_MS).toISOString();
  const schedules: GroupPimSchedule[] = [];
  const schedule = (kind: GroupPimSchedule['kind'], groupId: string, principalId: string, accessId: GroupPimSchedule['accessId'], end: string | null) => {
    const scheduleId = random.guid();
    schedules.push({
      kind,
      id: `${groupId}_${accessId}_${scheduleId}`,
      scheduleId,
      groupId,
      principalId,
      accessId,
      startDateTime: at(-random.int(1, 300)),
      endDateTime: end,
      memberType: 'direct',
      assignmentType: kind === 'active' ? 'assigned' : null,
    });
  };
  const staff = context.staff.length > 0 ? context.staff : context.users;
  const staffPosition = new Map(staff.map((user, position) => [user.id, position]));
  for (const group of roleAssignableGroups.slice(0, Math.max(1, Math.ceil(roleAssignableGroups.length / 2)))) {
    const current = new Set(members.get(group.id) ?? []);
    const eligible = sample(random, staffOutside(staff, staffPosition, current), random.int(1, 3));
    eligible.forEach((user, index) => schedule('eligible', group.id, user.id, index === 0 && random.chance(0.3) ? 'owner' : 'member', random.chance(0.5) ? null : at(400 + random.int(0, 200))));
    const timeBound = [...current].find((id) => staffPosition.has(id));
    if (timeBound) schedule('active', group.id, timeBound, 'member', at(400 + random.int(0, 200)));
  }
  return schedules;
}

/**
 * The staff who are not members, in staff order, without copying the staff list for every group:
 * that copy made generation quadratic (role-assignable groups grow with the tenant), most of the
 * four minutes a 1,000,000-user tenant took to generate.
 */
function staffOutside(staff: readonly UserProperties[], position: ReadonlyMap<string, number>, members: ReadonlySet<string>): Indexed<UserProperties> {
  const skipped = [...members].flatMap((id) => position.get(id) ?? []).sort((a, b) => a - b);
  return {
    length: staff.length - skipped.length,
    at(index: number) {
      // The index-th staff member after stepping over every member at or before it.
      let at = index;
      for (const member of skipped) {
        if (member > at) break;
        at++;
      }
      return staff[at];
    },
  };
}
