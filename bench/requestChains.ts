import type { RequestLogEntry } from '../simulator/http/requestLog';
import { isGraphPath } from '../simulator/traffic/graphPath';

type Entry = Pick<RequestLogEntry, 'method' | 'path' | 'status' | 'durationMs'>;

/** A chain of dependent requests: how many, and the service's measured time to answer them all. */
export interface Chain {
  requests: number;
  ms: number;
}

/**
 * Graph requests an ideal client would also have sent: answered 2xx. A 429 or an injected fault
 * is a cost of this client, not of the work, so it is neither a link of a chain nor a round trip.
 */
export function servedGraphRequests<T extends Entry>(entries: readonly T[]): T[] {
  return entries.filter((entry) => isGraphPath(pathOf(entry)) && entry.status >= 200 && entry.status < 300);
}

/**
 * The longest chain of dependent requests, by the time the service took to answer its links.
 * A page link (`$skiptoken`) can only be sent once the answer before it arrived, so it extends
 * the chain of its path; a request without one starts a chain. A page link whose start we never
 * saw (a nextLink out of a `$batch` sub-response) had one more request before it, of unknown
 * time. `$batch` envelopes depend on nothing.
 */
export function longestChain(entries: readonly Entry[]): Chain {
  const open = new Map<string, Chain>();
  let longest: Chain = { requests: 0, ms: 0 };
  for (const entry of servedGraphRequests(entries)) {
    const key = `${entry.method} ${pathOf(entry)}`;
    const before = isPageLink(entry) ? (open.get(key) ?? { requests: 1, ms: 0 }) : { requests: 0, ms: 0 };
    const chain = { requests: before.requests + 1, ms: before.ms + entry.durationMs };
    open.set(key, chain);
    if (chain.ms > longest.ms || (chain.ms === longest.ms && chain.requests > longest.requests)) longest = chain;
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
