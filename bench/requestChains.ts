import type { RequestLogEntry } from '../simulator/http/requestLog';
import { isGraphPath } from '../simulator/traffic/graphPath';

type Entry = Pick<RequestLogEntry, 'method' | 'path' | 'status' | 'durationMs'>;

/**
 * Graph requests an ideal client would also have sent: answered 2xx. A 429 or an injected fault
 * is a cost of this client, not of the work, so it is neither a link of a chain nor a round trip.
 */
export function servedGraphRequests<T extends Entry>(entries: readonly T[]): T[] {
  return entries.filter((entry) => isGraphPath(pathOf(entry)) && entry.status >= 200 && entry.status < 300);
}

/**
 * The longest chain of dependent requests, in requests. A page link (`$skiptoken`) can only be
 * sent once the answer before it arrived, so it extends the chain of its path; a request without
 * one starts a chain. A page link whose start we never saw (a nextLink out of a `$batch`
 * sub-response) had one hidden request before it. `$batch` envelopes depend on nothing.
 */
export function longestChain(entries: readonly Entry[]): number {
  const open = new Map<string, number>();
  let longest = 0;
  for (const entry of servedGraphRequests(entries)) {
    const key = `${entry.method} ${pathOf(entry)}`;
    const length = isPageLink(entry) ? (open.get(key) ?? 1) + 1 : 1;
    open.set(key, length);
    longest = Math.max(longest, length);
  }
  return longest;
}

/** Mean measured round trip of the served Graph GETs, in ms (0 when there were none). */
export function meanRoundTripMs(entries: readonly Entry[]): number {
  const gets = servedGraphRequests(entries).filter((entry) => entry.method === 'GET');
  return gets.length === 0 ? 0 : gets.reduce((sum, entry) => sum + entry.durationMs, 0) / gets.length;
}

function pathOf(entry: Entry): string {
  return entry.path.split('?', 1)[0]!;
}

function isPageLink(entry: Entry): boolean {
  const query = entry.path.indexOf('?');
  return query >= 0 && new URLSearchParams(entry.path.slice(query + 1)).has('$skiptoken');
}
