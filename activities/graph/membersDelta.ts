import type { GraphObject } from './deltaPages';

export const MEMBERS_DELTA = 'members@delta';
/** A group's owners, reported like its members when `owners` is selected (docs/graph-behaviour.md). */
export const OWNERS_DELTA = 'owners@delta';

export type GroupLinkDelta = typeof MEMBERS_DELTA | typeof OWNERS_DELTA;

/**
 * A group whose `members@delta` (or `owners@delta`) cannot be read. Not skipped: in a bootstrap a
 * skipped list would delete the group's memberships or owners at finalize. Not retried either:
 * the body parsed, so this is what Graph (or something in between) meant to send.
 */
export class MalformedMembersDelta extends Error {
  constructor(
    readonly groupId: string,
    readonly problem: string,
    readonly property: GroupLinkDelta = MEMBERS_DELTA,
  ) {
    super(`group ${groupId} has ${property} ${problem}`);
    this.name = 'MalformedMembersDelta';
  }
}

/** The members@delta entries of a group object (none when it has no such property); throws when malformed. */
export function membersDelta(group: GraphObject): GraphObject[] {
  return groupLinkDelta(group, MEMBERS_DELTA);
}

/** The owners@delta entries of a group object (none when it has no such property); throws when malformed. */
export function ownersDelta(group: GraphObject): GraphObject[] {
  return groupLinkDelta(group, OWNERS_DELTA);
}

function groupLinkDelta(group: GraphObject, property: GroupLinkDelta): GraphObject[] {
  const items = group[property];
  if (items === undefined) return [];
  if (!Array.isArray(items)) throw new MalformedMembersDelta(group.id, `that is not an array (${items === null ? 'null' : typeof items})`, property);
  items.forEach((item: unknown, index) => {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id === '') throw new MalformedMembersDelta(group.id, `entry ${index + 1} of ${items.length} without an id`, property);
  });
  return items as GraphObject[];
}
