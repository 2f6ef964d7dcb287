/** Where a newest-first or oldest-first walk stopped: the last item returned. */
export interface LogCursor {
  time: number;
  id: string;
}

interface Timed<T> {
  time: number;
  item: T;
}

/**
 * Append-mostly event log (directory audits, sign-ins) kept in (time, id) order, so report
 * endpoints can page newest first from a cursor without re-sorting.
 */
export class TimeOrderedLog<T extends { id: string }> {
  private items: Timed<T>[] = [];

  constructor(private readonly timestampOf: (item: T) => string) {}

  get size(): number {
    return this.items.length;
  }

  load(items: Iterable<T>): void {
    for (const item of items) this.items.push({ time: this.timeOf(item), item });
    this.items.sort(compare);
  }

  append(item: T): T {
    const entry = { time: this.timeOf(item), item };
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(this.items[middle] as Timed<T>, entry) <= 0) low = middle + 1;
      else high = middle;
    }
    this.items.splice(low, 0, entry);
    return item;
  }

  cursorOf(item: T): LogCursor {
    return { time: this.timeOf(item), id: item.id };
  }

  /** Items strictly older than `after` (all when undefined), newest first. */
  *newestFirst(after?: LogCursor): Generator<T> {
    let index = this.items.length - 1;
    if (after) index = this.lowerBound(after) - 1;
    for (; index >= 0; index--) yield (this.items[index] as Timed<T>).item;
  }

  /** Items strictly newer than `after` (all when undefined), oldest first. */
  *oldestFirst(after?: LogCursor): Generator<T> {
    let index = 0;
    if (after) index = this.upperBound(after);
    for (; index < this.items.length; index++) yield (this.items[index] as Timed<T>).item;
  }

  private timeOf(item: T): number {
    const time = Date.parse(this.timestampOf(item));
    if (Number.isNaN(time)) throw new RangeError(`not a date-time: ${this.timestampOf(item)}`);
    return time;
  }

  private lowerBound(cursor: LogCursor): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareToCursor(this.items[middle] as Timed<T>, cursor) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private upperBound(cursor: LogCursor): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareToCursor(this.items[middle] as Timed<T>, cursor) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function compare<T extends { id: string }>(a: Timed<T>, b: Timed<T>): number {
  return a.time - b.time || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0);
}

function compareToCursor<T extends { id: string }>(a: Timed<T>, cursor: LogCursor): number {
  return a.time - cursor.time || (a.item.id < cursor.id ? -1 : a.item.id > cursor.id ? 1 : 0);
}
