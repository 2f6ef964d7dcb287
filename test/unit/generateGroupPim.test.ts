import { describe, expect, it } from 'vitest';
import { generateGroupPim } from '../../simulator/generate/generateGroupPim';
import { DAY_MS, sample, type GenerationContext } from '../../simulator/generate/generationContext';
import { createRandomFrom } from '../../simulator/generate/random';
import type { GroupPimSchedule } from '../../simulator/model/groupPimSchedules';
import type { GroupProperties } from '../../simulator/model/groupResource';
import type { UserProperties } from '../../simulator/model/userResource';

/** The generator as first written: it copies the staff list for every group (quadratic), which is the reference. */
function reference(context: GenerationContext, groups: readonly GroupProperties[], members: ReadonlyMap<string, readonly string[]>): GroupPimSchedule[] {
  const random = createRandomFrom(context.seed, 'groupPim');
  const at = (days: number) => new Date(context.anchor + days * DAY_MS).toISOString();
  const schedules: GroupPimSchedule[] = [];
  const schedule = (kind: GroupPimSchedule['kind'], groupId: string, principalId: string, accessId: GroupPimSchedule['accessId'], end: string | null) => {
    const scheduleId = random.guid();
    schedules.push({
      kind, id: `${groupId}_${accessId}_${scheduleId}`, scheduleId, groupId, principalId, accessId,
      startDateTime: at(-random.int(1, 300)), endDateTime: end, memberType: 'direct', assignmentType: kind === 'active' ? 'assigned' : null,
    });
  };
  const staff = context.staff.length > 0 ? context.staff : context.users;
  for (const group of groups.slice(0, Math.max(1, Math.ceil(groups.length / 2)))) {
    const current = new Set(members.get(group.id) ?? []);
    const eligible = sample(random, staff.filter((u) => !current.has(u.id)), random.int(1, 3));
    eligible.forEach((user, index) => schedule('eligible', group.id, user.id, index === 0 && random.chance(0.3) ? 'owner' : 'member', random.chance(0.5) ? null : at(400 + random.int(0, 200))));
    const timeBound = [...current].find((id) => staff.some((u) => u.id === id));
    if (timeBound) schedule('active', group.id, timeBound, 'member', at(400 + random.int(0, 200)));
  }
  return schedules;
}

describe('PIM for Groups generation', () => {
  it.each([
    { staff: 3_000, groups: 40 },
    { staff: 6, groups: 5 },
  ])('gives the schedules of the staff-copying reference for $staff staff and $groups groups', ({ staff: staffCount, groups: groupCount }) => {
    const pick = createRandomFrom(11, `fixture-${staffCount}`);
    const users = Array.from({ length: staffCount + 50 }, (_, i) => ({ id: `user-${String(i).padStart(6, '0')}` }) as UserProperties);
    const staff = users.slice(0, staffCount);
    const groups = Array.from({ length: groupCount }, (_, i) => ({ id: `group-${i}` }) as GroupProperties);
    // Members: staff and non-staff users in any order, some at the very ends of the staff list,
    // some a long run of it (every draw then lands near a member to step over).
    const members = new Map(
      groups.map((group, i) => [
        group.id,
        [
          ...new Set([
            ...Array.from({ length: pick.int(0, 12) }, () => users[pick.int(0, users.length - 1)]!.id),
            ...(i % 3 === 0 ? [staff[0]!.id, staff.at(-1)!.id] : []),
            ...(i % 3 === 1 ? staff.filter((_, position) => position % 2 === 1).map((user) => user.id) : []),
          ]),
        ],
      ]),
    );
    const context: GenerationContext = { seed: 5, identity: { tenantId: 't', domain: 'd', displayName: 'n' }, anchor: Date.UTC(2026, 10, 30), users, staff };
    const expected = reference(context, groups, members);
    expect(expected.length).toBeGreaterThan(groupCount / 2);
    expect(generateGroupPim(context, groups, members)).toEqual(expected);
  });
});
