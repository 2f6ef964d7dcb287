import { endpointPattern } from './endpointPattern';

export interface EndpointCounters {
  /** HTTP requests answered (or cut off) on this endpoint. */
  requests: number;
  /** `$batch` sub-requests answered on this endpoint (not HTTP requests of their own). */
  subRequests: number;
  /** Answers by status, sub-requests' included; "0" is a connection dropped before any status. */
  statuses: Record<string, number>;
  /** Resource units charged, `$batch` sub-requests included. */
  resourceUnits: number;
  /** Requests (and sub-requests) the throttle answered with 429. */
  throttled: number;
  /** Requests an injected fault answered or disturbed. */
  faults: number;
}

export interface TrafficCountersSnapshot {
  since: string;
  totals: EndpointCounters;
  /** Keyed "METHOD /path/with/{id}". */
  endpoints: Record<string, EndpointCounters>;
}

/** Per-endpoint traffic totals since start (or the last reset). Memory grows with endpoints, not requests. */
export class TrafficCounters {
  private since = new Date();
  private totals = emptyCounters();
  private endpoints = new Map<string, EndpointCounters>();

  /** One HTTP response (status 0: the connection was dropped instead). */
  recordResponse(event: { method: string; pathname: string; status: number; faulted: boolean }): void {
    for (const counters of [this.totals, this.endpointOf(event.method, event.pathname)]) {
      counters.requests++;
      counters.statuses[event.status] = (counters.statuses[event.status] ?? 0) + 1;
      if (event.faulted) counters.faults++;
    }
  }

  /** The answer to one `$batch` sub-request. */
  recordSubResponse(event: { method: string; pathname: string; status: number }): void {
    for (const counters of [this.totals, this.endpointOf(event.method, event.pathname)]) {
      counters.subRequests++;
      counters.statuses[event.status] = (counters.statuses[event.status] ?? 0) + 1;
    }
  }

  /** One throttle charge, of a request or a `$batch` sub-request. */
  recordCharge(event: { method: string; pathname: string; ru: number; throttled: boolean }): void {
    for (const counters of [this.totals, this.endpointOf(event.method, event.pathname)]) {
      counters.resourceUnits += event.ru;
      if (event.throttled) counters.throttled++;
    }
  }

  snapshot(): TrafficCountersSnapshot {
    return {
      since: this.since.toISOString(),
      totals: structuredClone(this.totals),
      endpoints: Object.fromEntries([...this.endpoints].sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => [key, structuredClone(value)])),
    };
  }

  reset(): void {
    this.since = new Date();
    this.totals = emptyCounters();
    this.endpoints.clear();
  }

  private endpointOf(method: string, pathname: string): EndpointCounters {
    const key = `${method.toUpperCase()} ${endpointPattern(pathname)}`;
    let counters = this.endpoints.get(key);
    if (!counters) {
      counters = emptyCounters();
      this.endpoints.set(key, counters);
    }
    return counters;
  }
}

function emptyCounters(): EndpointCounters {
  return { requests: 0, subRequests: 0, statuses: {}, resourceUnits: 0, throttled: 0, faults: 0 };
}
