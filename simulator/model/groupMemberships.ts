import type { DirectoryChangeFeed } from './directoryChangeFeed';
import type { ChangeSequence } from './directoryStream';
import { InvalidStateError } from './simulatorErrors';

interface MembershipChange {
  seq: number;
  memberId: string;
}

/**
 * Direct group memberships with a per-group change log, so groups delta can report
 * `members@delta` additions and removals. Sets hold only ACTIVE members: soft-deleting a member
 * takes it out of its groups (logged) and parks those group ids; restoring puts it back.
 * Compact on purpose: one Set of shared id strings per group, log entries only for mutations.
 */
export class GroupMemberships {
  private readonly members = new Map<string, Set<string>>();
  private readonly changes = new Map<string, MembershipChange[]>();
  /** Soft-deleted member id → the groups it left when deleted. */
  private readonly parked = new Map<string, string[]>();
  /** Sorted member lists of groups read since their last change (paging reads them often). */
  private readonly sortedCache = new Map<string, string[]>();
  private total = 0;

  constructor(
    private readonly sequence: ChangeSequence,
    /** Told of every membership change after generation (change notifications). */
    private readonly feed?: DirectoryChangeFeed,
    private readonly collection: 'members' | 'owners' = 'members',
  ) {}

  /** Number of membership links across all groups. */
  get size(): number {
    return this.total;
  }

  /** Bulk load at generation: no change records (the initial round lists current members). */
  load(groupId: string, memberIds: Iterable<string>): void {
    this.sortedCache.delete(groupId);
    const set = this.setOf(groupId);
    for (const id of memberIds) {
      if (!set.has(id)) {
        set.add(id);
        this.total++;
      }
    }
  }

  has(groupId: string, memberId: string): boolean {
    return this.members.get(groupId)?.has(memberId) ?? false;
  }

  add(groupId: string, memberId: string): void {
    const set = this.setOf(groupId);
    if (set.has(memberId)) throw new InvalidStateError(`${memberId} is already a member of group ${groupId}`);
    set.add(memberId);
    this.total++;
    this.logChange(groupId, memberId);
    this.feed?.emit({ kind: 'link', collection: this.collection, groupId, objectId: memberId, change: 'added' });
  }

  remove(groupId: string, memberId: string): void {
    const set = this.members.get(groupId);
    if (!set?.delete(memberId)) throw new InvalidStateError(`${memberId} is not a member of group ${groupId}`);
    this.total--;
    this.logChange(groupId, memberId);
    this.feed?.emit({ kind: 'link', collection: this.collection, groupId, objectId: memberId, change: 'removed' });
  }

  membersOf(groupId: string): ReadonlySet<string> {
    return this.members.get(groupId) ?? EMPTY;
  }

  /** Member ids in id order: the stable order paging needs. Do not mutate the result. */
  sortedMembersOf(groupId: string): readonly string[] {
    let sorted = this.sortedCache.get(groupId);
    if (!sorted) {
      sorted = [...this.membersOf(groupId)].sort();
      this.sortedCache.set(groupId, sorted);
    }
    return sorted;
  }

  /** Groups that directly contain `memberId` (a scan: mutations only, never per request). */
  groupsOf(memberId: string): string[] {
    const groups: string[] = [];
    for (const [groupId, set] of this.members) if (set.has(memberId)) groups.push(groupId);
    return groups;
  }

  groupIds(): IterableIterator<string> {
    return this.members.keys();
  }

  /** Sequence of the latest membership change of the group; 0 when never changed. */
  lastChangeSeq(groupId: string): number {
    const log = this.changes.get(groupId);
    return log && log.length > 0 ? (log[log.length - 1] as MembershipChange).seq : 0;
  }

  /** Distinct member ids whose membership changed after `seq`, in id order. */
  changedMembersAfter(groupId: string, seq: number): string[] {
    const log = this.changes.get(groupId);
    if (!log) return [];
    const changed = new Set<string>();
    for (let index = firstAfter(log, seq); index < log.length; index++) changed.add((log[index] as MembershipChange).memberId);
    return [...changed].sort();
  }

  /** The member was soft-deleted: leave every group, remember which. */
  park(memberId: string): void {
    const groups = this.groupsOf(memberId);
    for (const groupId of groups) this.remove(groupId, memberId);
    if (groups.length > 0) this.parked.set(memberId, groups);
  }

  /** The member was restored: rejoin the groups it left that still exist. */
  unpark(memberId: string, groupExists: (groupId: string) => boolean): void {
    const groups = this.parked.get(memberId) ?? [];
    this.parked.delete(memberId);
    for (const groupId of groups) if (groupExists(groupId) && !this.has(groupId, memberId)) this.add(groupId, memberId);
  }

  /** The object is gone for good: as a member it leaves every group; as a group its list goes. */
  forget(objectId: string): void {
    this.parked.delete(objectId);
    for (const groupId of this.groupsOf(objectId)) this.remove(groupId, objectId);
    const own = this.members.get(objectId);
    this.sortedCache.delete(objectId);
    if (own) {
      this.total -= own.size;
      this.members.delete(objectId);
      this.changes.delete(objectId);
    }
  }

  private setOf(groupId: string): Set<string> {
    let set = this.members.get(groupId);
    if (!set) {
      set = new Set();
      this.members.set(groupId, set);
    }
    return set;
  }

  private logChange(groupId: string, memberId: string): void {
    this.sortedCache.delete(groupId);
    let log = this.changes.get(groupId);
    if (!log) {
      log = [];
      this.changes.set(groupId, log);
    }
    log.push({ seq: this.sequence.next(), memberId });
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/** Index of the first change with a sequence above `seq` (the log is in sequence order). */
function firstAfter(log: readonly MembershipChange[], seq: number): number {
  let low = 0;
  let high = log.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((log[middle] as MembershipChange).seq <= seq) low = middle + 1;
    else high = middle;
  }
  return low;
}
