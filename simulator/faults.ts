import type { SimRequest } from './http/simRequest';

/** A scripted failure: the nth..(nth+times-1)th matching request, counted from now, fails. */
export interface FaultSpec {
  /** Matched case-insensitively against the request path (query excluded). */
  pathPrefix: string;
  /** Only this HTTP method; any when omitted. */
  method?: string;
  /** 1-based index of the first matching request to fail. Default 1. */
  nth?: number;
  /** How many consecutive matching requests fail. Default 1. */
  times?: number;
  status: number;
  /** Retry-After header value in seconds; 429 defaults to 1. */
  retryAfterSeconds?: number;
  /** Overrides the Graph error code chosen from the status. */
  code?: string;
  message?: string;
}

export interface ActiveFault extends Required<Pick<FaultSpec, 'pathPrefix' | 'nth' | 'times' | 'status'>> {
  id: string;
  method?: string;
  retryAfterSeconds?: number;
  code?: string;
  message?: string;
  /** Matching requests seen since the fault was set. */
  matched: number;
  /** Requests it has failed so far. */
  fired: number;
}

/** Holds scripted faults and decides, per request, whether one fires. */
export class FaultInjector {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): ActiveFault {
    const nth = spec.nth ?? 1;
    const times = spec.times ?? 1;
    if (!Number.isInteger(nth) || nth < 1) throw new RangeError('nth must be an integer >= 1');
    if (!Number.isInteger(times) || times < 1) throw new RangeError('times must be an integer >= 1');
    if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599) {
      throw new RangeError('status must be an HTTP error status (400-599)');
    }
    const fault: ActiveFault = {
      id: `fault-${this.nextId++}`,
      pathPrefix: spec.pathPrefix,
      nth,
      times,
      status: spec.status,
      matched: 0,
      fired: 0,
      ...(spec.method ? { method: spec.method.toUpperCase() } : {}),
      ...(spec.retryAfterSeconds !== undefined
        ? { retryAfterSeconds: spec.retryAfterSeconds }
        : spec.status === 429
          ? { retryAfterSeconds: 1 }
          : {}),
      ...(spec.code ? { code: spec.code } : {}),
      ...(spec.message ? { message: spec.message } : {}),
    };
    this.faults.push(fault);
    return { ...fault };
  }

  list(): ActiveFault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  clear(): void {
    this.faults = [];
  }

  /** Counts the request against every matching fault; returns the first that fires. */
  intercept(request: Pick<SimRequest, 'method' | 'url'>): ActiveFault | undefined {
    const path = request.url.pathname.toLowerCase();
    let firing: ActiveFault | undefined;
    for (const fault of this.faults) {
      if (fault.method && fault.method !== request.method.toUpperCase()) continue;
      if (!path.startsWith(fault.pathPrefix.toLowerCase())) continue;
      fault.matched++;
      const due = fault.matched >= fault.nth && fault.matched < fault.nth + fault.times;
      if (due && !firing) {
        fault.fired++;
        firing = { ...fault };
      }
    }
    return firing;
  }
}
