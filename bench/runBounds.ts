import type { RequestLogEntry } from '../simulator/http/requestLog';
import type { TrafficCountersSnapshot } from '../simulator/traffic/trafficCounters';
import { isGraphPath, isReportsPath } from '../simulator/traffic/graphPath';
import { graphPhaseOf } from './graphPhase';
import { boundRatio, lowerBound, type Bound, type BoundLimits } from './lowerBound';
import { longestChain, meanRoundTripMs, servedGraphRequests } from './requestChains';

type Entry = Pick<RequestLogEntry, 'method' | 'path' | 'status' | 'durationMs'>;

export interface PartBound extends Bound {
  /** "run", or the part of the run ("pullDelta users", "reconciliation"). */
  part: string;
  /** Measured time; undefined when the part has none of its own (no activity of that name). */
  ms: number | undefined;
  ratio: number | undefined;
  resourceUnits: number;
  reportRequests: number;
  longestChain: number;
  /** Mean measured round trip of the longest chain's requests. */
  roundTripMs: number;
  /** Mean measured round trip of all the part's served Graph GETs, for comparison. */
  meanRoundTripMs: number;
}

export interface RunTraffic {
  counters: TrafficCountersSnapshot;
  /** Every request of the run, from the simulator's request log. */
  log: readonly Entry[];
  /** Wall time of the whole run. */
  ms: number;
  /** Wall time of each part that sent Graph requests, by the names graphPhaseOf gives. */
  partMs: Record<string, number>;
}

/** The bound of the whole run and of each part that sent Graph requests. */
export function boundsOfRun(traffic: RunTraffic, limits: BoundLimits): { run: PartBound; parts: PartBound[] } {
  const measure = (part: string, ms: number | undefined, inPart: (method: string, pathname: string) => boolean): PartBound => {
    let resourceUnits = 0;
    let reportRequests = 0;
    for (const [key, counters] of Object.entries(traffic.counters.endpoints)) {
      const [method = '', pathname = ''] = key.split(' ', 2);
      if (!isGraphPath(pathname) || !inPart(method, pathname)) continue;
      // A report request is limited by count, not RU (the simulator still reports 1 RU for it).
      if (isReportsPath(pathname)) reportRequests += served(counters.statuses);
      else resourceUnits += counters.resourceUnits;
    }
    const log = traffic.log.filter((entry) => inPart(entry.method, entry.path.split('?', 1)[0]!));
    const chain = longestChain(log);
    const roundTripMs = chain.requests === 0 ? 0 : chain.ms / chain.requests;
    const bound = lowerBound({ resourceUnits, reportRequests, longestChain: chain.requests, roundTripMs }, limits);
    const ratio = ms === undefined ? undefined : boundRatio(ms, bound.boundMs);
    return { part, ms, ratio, resourceUnits, reportRequests, longestChain: chain.requests, roundTripMs, meanRoundTripMs: meanRoundTripMs(log), ...bound };
  };
  const names = new Set(servedGraphRequests(traffic.log).map((entry) => graphPhaseOf(entry.method, entry.path.split('?', 1)[0]!)));
  const parts = [...names].sort().map((name) => measure(name, traffic.partMs[name], (method, pathname) => graphPhaseOf(method, pathname) === name));
  return { run: measure('run', traffic.ms, () => true), parts };
}

function served(statuses: Record<string, number>): number {
  return Object.entries(statuses).reduce((n, [status, count]) => (Number(status) >= 200 && Number(status) < 300 ? n + count : n), 0);
}
