import { graphError } from '../graph/graphResponses';
import type { SimRequest, SimResponse } from '../http/simRequest';
import { bearerCaller, type GraphCaller } from './bearerCaller';
import { isGraphPath, isReportsPath } from './graphPath';
import { resourceUnitCost } from './resourceUnitCost';
import { retryAfterHeader, type RetryAfterFormat } from './retryAfter';
import { UsageBucket } from './usageBucket';

// Identity-and-access throttling as docs/graph-behaviour.md, "Throttling" describes it.
export const RESOURCE_UNIT_WINDOW_MS = 10_000;
export const APPLICATION_LIMIT = 150_000;
export const APPLICATION_WINDOW_MS = 20_000;
export const REPORTS_LIMIT = 5;
export const REPORTS_WINDOW_MS = 10_000;
/** From this share of a limit on, responses carry `x-ms-throttle-limit-percentage`. */
export const LIMIT_WARNING_FRACTION = 0.8;

export type TenantSize = 'S' | 'M' | 'L';

/** The app + tenant resource-unit limit per 10 s by tenant size: under 50 users, 50-500, above 500. */
export function tenantSizeTier(users: number): { size: TenantSize; limit: number } {
  if (users < 50) return { size: 'S', limit: 3_500 };
  if (users <= 500) return { size: 'M', limit: 5_000 };
  return { size: 'L', limit: 8_000 };
}

export interface ThrottlingOptions {
  /** Default true. */
  enabled?: boolean;
  /** Scales the resource-unit limits (tenant tier and per-app): 0.01 turns 3,500 RU into 35. Default 1. */
  limitMultiplier?: number;
  /** RU per 10 s for the app + tenant pair instead of the tenant-size tier (multiplier not applied). */
  fixedLimit?: number;
  /** Requests per 10 s per app + tenant on auditLogs/directoryAudits and auditLogs/signIns. Default 5. */
  reportsLimit?: number;
  /**
   * The reports window, default 10 s. Tests that are not about pacing shorten it by the same
   * factor as the workers' report spacing (ENTRA_SYNC_TEST_REPORT_PACE), so the limit stays as
   * strict relative to the connector's pace as Graph's is.
   */
  reportsWindowMs?: number;
  /** Default 'seconds' (whole seconds, as Graph sends). */
  retryAfterFormat?: RetryAfterFormat;
  /** Millisecond clock of the buckets; tests pass a manual one. Default Date.now. */
  clock?: () => number;
}

/** The live, adjustable settings (control API: /_sim/throttling). */
export interface ThrottlingSettings {
  enabled: boolean;
  limitMultiplier: number;
  fixedLimit: number | null;
  reportsLimit: number;
  reportsWindowMs: number;
  retryAfterFormat: RetryAfterFormat;
}

export type ThrottleDecision =
  | { allowed: true; ru: number; headers: Record<string, string> }
  | { allowed: false; ru: number; retryAfterMs: number; response: SimResponse };

/** Told about every charge, admitted or throttled, so counters include `$batch` sub-requests. */
export type ChargeObserver = (event: { method: string; pathname: string; ru: number; throttled: boolean }) => void;

export interface ThrottleDependencies {
  /** Users in the tenant now: picks the size tier. */
  userCount: () => number;
  onCharge?: ChargeObserver;
}

/** One limit that a request counts against. */
interface Scope {
  bucket: UsageBucket;
  limit: number;
  windowMs: number;
  /** What one request costs in this scope's unit (RU, or 1 request). */
  cost: number;
  throttleScope: string;
  information: string;
}

/**
 * Decides, per Graph request (or `$batch` sub-request), whether the caller's buckets admit it,
 * and charges them either way. `charge` is the only entry point the request pipeline needs.
 */
export class GraphThrottle {
  readonly settings: ThrottlingSettings;
  private readonly clock: () => number;
  private readonly tenantApplication = new Map<string, UsageBucket>();
  private readonly application = new Map<string, UsageBucket>();
  private readonly reports = new Map<string, UsageBucket>();

  constructor(
    options: ThrottlingOptions,
    private readonly deps: ThrottleDependencies,
  ) {
    this.clock = options.clock ?? Date.now;
    this.settings = {
      enabled: true,
      limitMultiplier: 1,
      fixedLimit: null,
      reportsLimit: REPORTS_LIMIT,
      reportsWindowMs: REPORTS_WINDOW_MS,
      retryAfterFormat: 'seconds',
    };
    this.update({
      ...(options.enabled !== undefined ? { enabled: options.enabled } : {}),
      ...(options.limitMultiplier !== undefined ? { limitMultiplier: options.limitMultiplier } : {}),
      ...(options.fixedLimit !== undefined ? { fixedLimit: options.fixedLimit } : {}),
      ...(options.reportsLimit !== undefined ? { reportsLimit: options.reportsLimit } : {}),
      ...(options.reportsWindowMs !== undefined ? { reportsWindowMs: options.reportsWindowMs } : {}),
      ...(options.retryAfterFormat !== undefined ? { retryAfterFormat: options.retryAfterFormat } : {}),
    });
  }

  /** Changes settings; usage so far carries over. Throws RangeError on nonsense. */
  update(patch: Partial<ThrottlingSettings>): ThrottlingSettings {
    if (patch.limitMultiplier !== undefined && !(patch.limitMultiplier > 0)) throw new RangeError('limitMultiplier must be > 0');
    if (patch.fixedLimit != null && !(patch.fixedLimit >= 1)) throw new RangeError('fixedLimit must be >= 1');
    if (patch.reportsLimit !== undefined && !(patch.reportsLimit >= 1)) throw new RangeError('reportsLimit must be >= 1');
    if (patch.reportsWindowMs !== undefined && !(patch.reportsWindowMs >= 100)) throw new RangeError('reportsWindowMs must be >= 100');
    Object.assign(this.settings, patch);
    return { ...this.settings };
  }

  /** Forgets all usage: every bucket full again. */
  reset(): void {
    this.tenantApplication.clear();
    this.application.clear();
    this.reports.clear();
  }

  /** The limits in force now. */
  limits(): { tenantSize: TenantSize; tenantApplication: number; application: number; reports: number } {
    const tier = tenantSizeTier(this.deps.userCount());
    return {
      tenantSize: tier.size,
      tenantApplication: this.settings.fixedLimit ?? Math.max(1, Math.round(tier.limit * this.settings.limitMultiplier)),
      application: Math.max(1, Math.round(APPLICATION_LIMIT * this.settings.limitMultiplier)),
      reports: this.settings.reportsLimit,
    };
  }

  /** Usage of every bucket as a fraction of its limit, for the control API. */
  usage(): Array<{ scope: string; key: string; usedFraction: number }> {
    const now = this.clock();
    const limits = this.limits();
    const list = (scope: string, buckets: Map<string, UsageBucket>, limit: number, windowMs: number) =>
      [...buckets].map(([key, bucket]) => ({ scope, key, usedFraction: round(bucket.usedFraction(limit, windowMs, now)) }));
    return [
      ...list('Tenant_Application', this.tenantApplication, limits.tenantApplication, RESOURCE_UNIT_WINDOW_MS),
      ...list('Application', this.application, limits.application, APPLICATION_WINDOW_MS),
      ...list('Reports', this.reports, limits.reports, this.settings.reportsWindowMs),
    ];
  }

  /**
   * Charges one request to its caller's buckets. Admitted: the headers to add to the response.
   * Throttled: the complete 429 to send instead of serving the request. The caller is read
   * from the bearer token unless given (a `$batch` sub-request may pass the batch's caller).
   */
  charge(request: SimRequest, caller: GraphCaller | undefined = bearerCaller(request.headers.authorization)): ThrottleDecision {
    // `$batch` sub-request urls are relative to the version root: count them under /v1.0.
    const pathname = isGraphPath(request.url.pathname) ? request.url.pathname : `/v1.0/${request.url.pathname.replace(/^\/+/, '')}`;
    const reports = isReportsPath(pathname);
    // Reports are limited in requests, not RU; they still report the RU Graph would bill (1).
    const ru = reports ? 1 : resourceUnitCost(request.method, request.url);
    const headers: Record<string, string> = { 'x-ms-resource-unit': String(ru) };
    if (!this.settings.enabled || !caller) {
      this.deps.onCharge?.({ method: request.method, pathname, ru, throttled: false });
      return { allowed: true, ru, headers };
    }

    const now = this.clock();
    const scopes = reports ? [this.reportsScope(caller)] : this.resourceUnitScopes(caller, ru);
    const blocked = scopes.filter((scope) => !scope.bucket.admits(scope.cost, scope.limit, scope.windowMs, now));
    for (const scope of scopes) scope.bucket.spend(scope.cost, scope.limit, scope.windowMs, now);

    const usedFraction = Math.max(...scopes.map((scope) => scope.bucket.usedFraction(scope.limit, scope.windowMs, now)));
    if (usedFraction >= LIMIT_WARNING_FRACTION) headers['x-ms-throttle-limit-percentage'] = String(round(usedFraction));
    this.deps.onCharge?.({ method: request.method, pathname, ru, throttled: blocked.length > 0 });
    if (blocked.length === 0) return { allowed: true, ru, headers };

    // Measured after charging: the time until this very request would be admitted.
    const waits = blocked.map((scope) => ({ scope, waitMs: scope.bucket.waitMs(scope.cost, scope.limit, scope.windowMs, now) }));
    const longest = waits.reduce((a, b) => (b.waitMs > a.waitMs ? b : a));
    const response = graphError(request, 429, 'TooManyRequests', 'Please retry again later.', {
      ...headers,
      ...retryAfterHeader(this.settings.retryAfterFormat, longest.waitMs),
      'x-ms-throttle-scope': longest.scope.throttleScope,
      'x-ms-throttle-information': longest.scope.information,
    });
    return { allowed: false, ru, retryAfterMs: longest.waitMs, response };
  }

  private resourceUnitScopes(caller: GraphCaller, ru: number): Scope[] {
    const limits = this.limits();
    return [
      {
        bucket: bucketFor(this.tenantApplication, `${caller.appId}/${caller.tenantId}`, this.clock()),
        limit: limits.tenantApplication,
        windowMs: RESOURCE_UNIT_WINDOW_MS,
        cost: ru,
        throttleScope: `Tenant_Application/ReadWrite/${caller.appId}/${caller.tenantId}`,
        information: 'ResourceUnitLimitExceeded',
      },
      {
        // Per app across tenants: a single tenant here, but a tightened limit can still reach it.
        bucket: bucketFor(this.application, caller.appId, this.clock()),
        limit: limits.application,
        windowMs: APPLICATION_WINDOW_MS,
        cost: ru,
        throttleScope: `Application/ReadWrite/${caller.appId}/${caller.tenantId}`,
        information: 'ResourceUnitLimitExceeded',
      },
    ];
  }

  private reportsScope(caller: GraphCaller): Scope {
    return {
      bucket: bucketFor(this.reports, `${caller.appId}/${caller.tenantId}`, this.clock()),
      limit: this.settings.reportsLimit,
      windowMs: this.settings.reportsWindowMs,
      cost: 1,
      throttleScope: `Tenant_Application/Read/${caller.appId}/${caller.tenantId}`,
      information: 'RequestLimitExceeded',
    };
  }
}

function bucketFor(buckets: Map<string, UsageBucket>, key: string, now: number): UsageBucket {
  let bucket = buckets.get(key);
  if (!bucket) {
    bucket = new UsageBucket(now);
    buckets.set(key, bucket);
  }
  return bucket;
}

function round(fraction: number): number {
  return Math.round(fraction * 100) / 100;
}
