import type { GroupPimSchedule } from '../model/groupPimSchedules';
import type { GroupProperties } from '../model/groupResource';
import { DAY_MS, sample, type GenerationContext } from './generationContext';
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
  for (const group of roleAssignableGroups.slice(0, Math.max(1, Math.ceil(roleAssignableGroups.length / 2)))) {
    const current = new Set(members.get(group.id) ?? []);
    const eligible = sample(random, staff.filter((u) => !current.has(u.id)), random.int(1, 3));
    eligible.forEach((user, index) => schedule('eligible', group.id, user.id, index === 0 && random.chance(0.3) ? 'owner' : 'member', random.chance(0.5) ? null : at(400 + random.int(0, 200))));
    const timeBound = [...current].find((id) => staff.some((u) => u.id === id));
    if (timeBound) schedule('active', group.id, timeBound, 'member', at(400 + random.int(0, 200)));
  }
  return schedules;
}
