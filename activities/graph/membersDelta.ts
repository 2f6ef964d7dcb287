import type { GraphObject } from './deltaPages';

export const MEMBERS_DELTA = 'members@delta';

/**
 * A group whose `members@delta` cannot be read. Not skipped: in a bootstrap a skipped member
 * list would delete the group's memberships at finalize. Not retried either: the body parsed,
 * so this is what Graph (or something in between) meant to send.
 */
export class MalformedMembersDelta extends Error {
  constructor(
    readonly groupId: string,
    readonly problem: string,
  ) {
    super(`group ${groupId} has a ${MEMBERS_DELTA} ${problem}`);
    this.name = 'MalformedMembersDelta';
  }
}

/** The members@delta entries of a group object (none when it has no such property); throws when malformed. */
export function membersDelta(group: GraphObject): GraphObject[] {
  const members = group[MEMBERS_DELTA];
  if (members === undefined) return [];
  if (!Array.isArray(members)) throw new MalformedMembersDelta(group.id, `that is not an array (${members === null ? 'null' : typeof members})`);
  members.forEach((member: unknown, index) => {
    const id = (member as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id === '') throw new MalformedMembersDelta(group.id, `entry ${index + 1} of ${members.length} without an id`);
  });
  return members as GraphObject[];
}
