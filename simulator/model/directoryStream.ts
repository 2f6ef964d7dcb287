import type { DirectoryChangeFeed } from './directoryChangeFeed';
import { InvalidStateError, ObjectNotFoundError } from './simulatorErrors';

export type ObjectState = 'active' | 'softDeleted' | 'deleted';

/** Shared monotonically increasing change counter of one tenant (all streams). */
export interface ChangeSequence {
  readonly current: number;
  next(): number;
}

export function createChangeSequence(start = 0): ChangeSequence {
  let current = start;
  return {
    get current() {
      return current;
    },
    next: () => ++current,
  };
}

export interface DirectoryRecord<P extends { id: string }> {
  readonly id: string;
  properties: P;
  state: ObjectState;
  /** Latest change of any kind. */
  changedSeq: number;
  /** Creation, soft delete, restore, hard delete: always visible to delta. */
  stateChangedSeq: number;
  /** Per property, so delta with $select only reports changes of selected properties. */
  propertyChangedSeq: Map<string, number>;
}

/**
 * One delta-trackable collection (users today; groups, applications, service principals later)
 * with its change log. Deleted objects stay as tombstones so delta can report `@removed`.
 * Ids are kept sorted so delta pages can resume from "the first id after X".
 */
export class DirectoryStream<P extends { id: string }> {
  private readonly records = new Map<string, DirectoryRecord<P>>();
  private sortedIds: string[] = [];

  constructor(
    readonly name: string,
    private readonly sequence: ChangeSequence,
    /** Told of every change after generation (change notifications). */
    private readonly feed?: DirectoryChangeFeed,
  ) {}

  get size(): number {
    return this.records.size;
  }

  get(id: string): DirectoryRecord<P> | undefined {
    return this.records.get(id.toLowerCase());
  }

  require(id: string): DirectoryRecord<P> {
    const record = this.get(id);
    if (!record) throw new ObjectNotFoundError(this.name, id);
    return record;
  }

  /** Adds many objects at once (tenant generation): one sort instead of n insertions. */
  load(objects: Iterable<P>): void {
    for (const properties of objects) this.insert(properties, false);
    this.sortedIds.sort();
  }

  create(properties: P): DirectoryRecord<P> {
    const record = this.insert(properties, true);
    this.feed?.emit({ kind: 'object', stream: this.name, id: record.id, change: 'created' });
    return record;
  }

  /** Applies changed properties only; a patch that changes nothing leaves the sequence alone. */
  update(id: string, patch: Partial<P>): DirectoryRecord<P> {
    const record = this.require(id);
    if (record.state !== 'active') throw new InvalidStateError(`${this.name} object ${id} is ${record.state}`);
    const changed = Object.entries(patch).filter(
      ([name, value]) =>
        name !== 'id' && value !== undefined && !sameValue((record.properties as Record<string, unknown>)[name], value),
    );
    if (changed.length === 0) return record;
    const seq = this.sequence.next();
    record.properties = { ...record.properties, ...Object.fromEntries(changed) };
    for (const [name] of changed) record.propertyChangedSeq.set(name, seq);
    record.changedSeq = seq;
    this.feed?.emit({ kind: 'object', stream: this.name, id: record.id, change: 'updated' });
    return record;
  }

  softDelete(id: string): DirectoryRecord<P> {
    return this.transition(id, ['active'], 'softDeleted');
  }

  restore(id: string): DirectoryRecord<P> {
    return this.transition(id, ['softDeleted'], 'active');
  }

  hardDelete(id: string): DirectoryRecord<P> {
    return this.transition(id, ['active', 'softDeleted'], 'deleted');
  }

  /** Records in id order, starting after `afterId` (exclusive), tombstones included. */
  *recordsAfter(afterId: string | null): Generator<DirectoryRecord<P>> {
    let index = afterId === null ? 0 : upperBound(this.sortedIds, afterId);
    for (; index < this.sortedIds.length; index++) {
      const record = this.records.get(this.sortedIds[index] as string);
      if (record) yield record;
    }
  }

  *activeRecords(): Generator<DirectoryRecord<P>> {
    for (const record of this.recordsAfter(null)) if (record.state === 'active') yield record;
  }

  /**
   * The last sequence at which this record changed in a way a delta query selecting
   * `selected` (undefined: every property) must report.
   */
  relevantSeq(record: DirectoryRecord<P>, selected?: readonly string[]): number {
    if (!selected) return record.changedSeq;
    let seq = record.stateChangedSeq;
    for (const name of selected) seq = Math.max(seq, record.propertyChangedSeq.get(name) ?? 0);
    return seq;
  }

  private insert(properties: P, keepSorted: boolean): DirectoryRecord<P> {
    const id = properties.id.toLowerCase();
    if (this.records.has(id)) throw new InvalidStateError(`${this.name} object ${id} already exists`);
    const seq = this.sequence.next();
    const record: DirectoryRecord<P> = {
      id,
      properties: { ...properties, id },
      state: 'active',
      changedSeq: seq,
      stateChangedSeq: seq,
      propertyChangedSeq: new Map(),
    };
    this.records.set(id, record);
    if (keepSorted) this.sortedIds.splice(upperBound(this.sortedIds, id), 0, id);
    else this.sortedIds.push(id);
    return record;
  }

  private transition(id: string, from: ObjectState[], to: ObjectState): DirectoryRecord<P> {
    const record = this.require(id);
    if (!from.includes(record.state)) {
      throw new InvalidStateError(`${this.name} object ${id} is ${record.state}, cannot become ${to}`);
    }
    const seq = this.sequence.next();
    const previous = record.state;
    record.state = to;
    record.stateChangedSeq = seq;
    record.changedSeq = seq;
    const change = to === 'deleted' ? 'deleted' : to === 'softDeleted' ? 'softDeleted' : previous === 'softDeleted' ? 'restored' : 'updated';
    this.feed?.emit({ kind: 'object', stream: this.name, id: record.id, change });
    return record;
  }
}

/** Index of the first element strictly greater than `value` in a sorted array. */
function upperBound(sorted: readonly string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
