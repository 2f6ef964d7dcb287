import type { SimRequest } from '../http/simRequest';
import { createRandom, hashSeed, type Random } from '../generate/random';

/**
 * What an injected fault does:
 * - status: answer with an error status in the endpoint's dialect (Graph or AADSTS);
 * - connectionReset: drop the connection, before the headers or halfway through the body;
 * - truncatedJson: a 200 whose body stops halfway (the response itself ends cleanly);
 * - malformedJson: a 200 whose body is not JSON;
 * - slowBody: the real answer, its body trickling out in small chunks;
 * - hold: the request waits, unanswered, until the fault is removed, then gets its real answer.
 *   Tests use it to keep a run in place for as long as they need, however fast the machine is;
 * - expiredPageToken: a request carrying a `$skiptoken` answers 400 `Directory_ExpiredPageToken`
 *   (a page link kept too long, e.g. across a worker crash); requests without one never match;
 * - malformedMembersDelta: the real answer, with one group's `members@delta` (or `owners@delta`, by
 *   `collection`) malformed as `malformation` says.
 */
export const FAULT_KINDS = ['status', 'connectionReset', 'truncatedJson', 'malformedJson', 'slowBody', 'hold', 'expiredPageToken', 'malformedMembersDelta'] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export const RETRY_AFTER_FORMS = ['seconds', 'httpDate', 'empty', 'missing'] as const;

export type RetryAfterForm = (typeof RETRY_AFTER_FORMS)[number];

/** How a malformedMembersDelta fault spoils a page: `members@delta` not an array, or a member without an id. */
export const MEMBERS_MALFORMATIONS = ['notArray', 'memberWithoutId'] as const;

export type MembersMalformation = (typeof MEMBERS_MALFORMATIONS)[number];

/** Which linked collection of a group a malformedMembersDelta fault spoils: `members@delta` or `owners@delta`. */
export const MALFORMED_COLLECTIONS = ['members', 'owners'] as const;

export type MalformedCollection = (typeof MALFORMED_COLLECTIONS)[number];

/**
 * An injected failure for requests under `pathPrefix`. Scripted (default): the
 * nth..(nth+times-1)th matching request, counted from now, fails. With `probability`: each
 * matching request from the nth on fails with that probability, drawn from a seeded generator,
 * at most `times` times (unlimited by default).
 */
export interface FaultSpec {
  /**
   * Matched case-insensitively against the request path (query excluded), whole segments only:
   * `/v1.0/users` covers `/v1.0/users/delta` but not `/v1.0/usersX`, so roleAssignments is not
   * roleAssignmentScheduleInstances.
   */
  pathPrefix: string;
  /** Only this HTTP method; any when omitted. */
  method?: string;
  /** 1-based index of the first matching request that may fail. Default 1. */
  nth?: number;
  /** How many matching requests fail. Default 1 when scripted, unlimited with `probability`. */
  times?: number;
  /** Chance in [0, 1] that a matching request fails; makes the fault random (seeded). */
  probability?: number;
  /** Seed of this fault's draws (alone, so the same seed draws the same). Default: from the injector's seed and the fault's id. */
  seed?: number;
  /** Default 'status', which needs `status`. */
  kind?: FaultKind;
  /** kind 'status': the HTTP error status (400-599). */
  status?: number;
  /** kind 'status': Retry-After header value in seconds; 429 defaults to 1. */
  retryAfterSeconds?: number;
  /**
   * kind 'status': how Retry-After is spelled, as clients meet it: `seconds` (default), `httpDate`
   * (that many seconds from now, as an HTTP date), `empty` (the header with no value) or `missing`.
   */
  retryAfterForm?: RetryAfterForm;
  /** kind 'status': overrides the Graph error code chosen from the status. */
  code?: string;
  message?: string;
  /** kind 'connectionReset': drop the connection after the headers and part of the body. Default false (before headers). */
  afterHeaders?: boolean;
  /** kind 'truncatedJson' or 'connectionReset' after headers: share of the body sent first, in [0, 1). Default 0.5. */
  bodyFraction?: number;
  /** kind 'slowBody': bytes per chunk (default 64) and pause between chunks (default 50 ms). */
  chunkBytes?: number;
  chunkDelayMs?: number;
  /** kind 'malformedMembersDelta': what goes wrong. Default 'notArray'. */
  malformation?: MembersMalformation;
  /** kind 'malformedMembersDelta': the collection spoilt. Default 'members'. */
  collection?: MalformedCollection;
}

export interface ActiveFault extends Omit<FaultSpec, 'kind' | 'nth' | 'times'> {
  id: string;
  kind: FaultKind;
  nth: number;
  /** Null: unlimited (probability faults). */
  times: number | null;
  /** Matching requests seen since the fault was set. */
  matched: number;
  /** Requests it has failed so far. */
  fired: number;
}

const DEFAULT_BODY_FRACTION = 0.5;
const DEFAULT_CHUNK_BYTES = 64;
const DEFAULT_CHUNK_DELAY_MS = 50;

/** Holds injected faults and decides, per request, whether one fires. Reproducible from its seed. */
export class FaultInjector {
  private faults: Array<{ fault: ActiveFault; random: Random | undefined }> = [];
  private nextId = 1;
  /** Requests parked by hold faults, released when their fault is removed. */
  private holds = new Map<string, { released: Promise<void>; release: () => void }>();

  constructor(private readonly seed = 1) {}

  add(spec: FaultSpec): ActiveFault {
    const fault = activate(spec, `fault-${this.nextId++}`);
    // An explicit seed alone fixes the draws; otherwise they follow the injector's seed and the fault's id.
    const seed = fault.seed !== undefined ? hashSeed(fault.seed, 'fault') : hashSeed(this.seed, 'fault', fault.id);
    const random = fault.probability === undefined ? undefined : createRandom(seed);
    this.faults.push({ fault, random });
    if (fault.kind === 'hold') {
      let release = () => undefined as void;
      const released = new Promise<void>((resolve) => (release = resolve));
      this.holds.set(fault.id, { released, release });
    }
    return { ...fault };
  }

  /** Resolves when the hold fault `id` is removed (at once when it no longer exists). */
  released(id: string): Promise<void> {
    return this.holds.get(id)?.released ?? Promise.resolve();
  }

  list(): ActiveFault[] {
    return this.faults.map(({ fault }) => ({ ...fault }));
  }

  /** Removes one fault; false when there is no such id. */
  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter(({ fault }) => fault.id !== id);
    this.releaseHold(id);
    return this.faults.length < before;
  }

  clear(): void {
    this.faults = [];
    for (const id of [...this.holds.keys()]) this.releaseHold(id);
  }

  private releaseHold(id: string): void {
    this.holds.get(id)?.release();
    this.holds.delete(id);
  }

  /** Counts the request against every matching fault; returns the first that fires. */
  intercept(request: Pick<SimRequest, 'method' | 'url'>): ActiveFault | undefined {
    const path = request.url.pathname.toLowerCase();
    let firing: ActiveFault | undefined;
    for (const { fault, random } of this.faults) {
      if (fault.method && fault.method !== request.method.toUpperCase()) continue;
      if (!isUnder(path, fault.pathPrefix.toLowerCase())) continue;
      if (fault.kind === 'expiredPageToken' && !hasPageToken(request.url)) continue;
      fault.matched++;
      const due = random ? this.drawn(fault, random) : fault.matched >= fault.nth && fault.matched < fault.nth + (fault.times ?? 1);
      if (due && !firing) {
        fault.fired++;
        firing = { ...fault };
      }
    }
    return firing;
  }

  private drawn(fault: ActiveFault, random: Random): boolean {
    if (fault.matched < fault.nth || (fault.times !== null && fault.fired >= fault.times)) return false;
    // Drawn for every eligible match, even when another fault answers, so that one fault's
    // sequence never depends on the others.
    return random.next() < (fault.probability ?? 0);
  }
}

function activate(spec: FaultSpec, id: string): ActiveFault {
  const kind = spec.kind ?? 'status';
  const nth = spec.nth ?? 1;
  const probability = spec.probability;
  const random = probability !== undefined;
  const times = spec.times ?? (random ? null : 1);
  if (!FAULT_KINDS.includes(kind)) throw new RangeError(`kind must be one of ${FAULT_KINDS.join(', ')}`);
  if (!Number.isInteger(nth) || nth < 1) throw new RangeError('nth must be an integer >= 1');
  if (times !== null && (!Number.isInteger(times) || times < 1)) throw new RangeError('times must be an integer >= 1');
  if (random && !(probability >= 0 && probability <= 1)) throw new RangeError('probability must be within [0, 1]');
  const status = spec.status ?? 0;
  if (kind === 'status' && (!Number.isInteger(status) || status < 400 || status > 599)) {
    throw new RangeError('status must be an HTTP error status (400-599)');
  }
  if (spec.bodyFraction !== undefined && !(spec.bodyFraction >= 0 && spec.bodyFraction < 1)) {
    throw new RangeError('bodyFraction must be within [0, 1)');
  }
  if (spec.chunkBytes !== undefined && !(Number.isInteger(spec.chunkBytes) && spec.chunkBytes >= 1)) {
    throw new RangeError('chunkBytes must be an integer >= 1');
  }
  if (spec.chunkDelayMs !== undefined && !(spec.chunkDelayMs >= 0)) throw new RangeError('chunkDelayMs must be >= 0');

  const fault: ActiveFault = {
    id,
    kind,
    pathPrefix: spec.pathPrefix,
    nth,
    times,
    matched: 0,
    fired: 0,
    ...(spec.method ? { method: spec.method.toUpperCase() } : {}),
    ...(random ? { probability } : {}),
    ...(spec.seed !== undefined ? { seed: spec.seed } : {}),
  };
  switch (kind) {
    case 'status':
      Object.assign(fault, {
        status,
        ...(spec.retryAfterSeconds !== undefined
          ? { retryAfterSeconds: spec.retryAfterSeconds }
          : spec.status === 429
            ? { retryAfterSeconds: 1 }
            : {}),
        ...(spec.retryAfterForm && spec.retryAfterForm !== 'seconds' ? { retryAfterForm: spec.retryAfterForm } : {}),
        ...(spec.code ? { code: spec.code } : {}),
        ...(spec.message ? { message: spec.message } : {}),
      });
      break;
    case 'connectionReset':
      fault.afterHeaders = spec.afterHeaders ?? false;
      if (fault.afterHeaders) fault.bodyFraction = spec.bodyFraction ?? DEFAULT_BODY_FRACTION;
      break;
    case 'truncatedJson':
      fault.bodyFraction = spec.bodyFraction ?? DEFAULT_BODY_FRACTION;
      break;
    case 'slowBody':
      fault.chunkBytes = spec.chunkBytes ?? DEFAULT_CHUNK_BYTES;
      fault.chunkDelayMs = spec.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS;
      break;
    case 'malformedMembersDelta':
      fault.malformation = spec.malformation ?? 'notArray';
      fault.collection = spec.collection ?? 'members';
      break;
    case 'malformedJson':
    case 'hold':
    case 'expiredPageToken':
      break;
  }
  return fault;
}

function hasPageToken(url: URL): boolean {
  for (const name of url.searchParams.keys()) if (name.toLowerCase() === '$skiptoken') return true;
  return false;
}

/** The Retry-After header a status fault answers with, in the form it asks for. */
export function faultRetryAfterHeaders(fault: ActiveFault, now = Date.now()): Record<string, string> {
  switch (fault.retryAfterForm) {
    case 'missing':
      return {};
    case 'empty':
      return { 'retry-after': '' };
    case 'httpDate':
      return { 'retry-after': new Date(now + (fault.retryAfterSeconds ?? 1) * 1000).toUTCString() };
    default:
      return fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
  }
}

/** The path is the prefix itself or lies below it (a prefix ending in '/' covers any continuation). */
function isUnder(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false;
  return path.length === prefix.length || prefix.endsWith('/') || path[prefix.length] === '/';
}
