/**
 * The least time Graph allows for a piece of work: no client can finish it sooner, however
 * parallel. Three things bind, and the bound is the largest of them:
 * - resource units: a leaky bucket of `limit` per window (docs/graph-behaviour.md, "Throttling");
 * - report requests: the reports bucket, 5 per 10 s per app and tenant;
 * - the longest chain of dependent requests (each page's link comes from the previous answer),
 *   times its measured round trip: the time the service took to answer each link, which no
 *   client can shorten.
 * A bucket starts full: its first `limit` units go at once (the burst), the rest drain at
 * limit/window. Without the burst allowance the figure would not be a lower bound: 23 report
 * pages at 0.5 per second would say 46 s, yet the bucket lets them all through in 36 s.
 */

/** One leaky bucket: `limit` units per `windowMs`. */
export interface BucketLimit {
  limit: number;
  windowMs: number;
}

export interface BoundLimits {
  resourceUnits: BucketLimit;
  reports: BucketLimit;
}

export interface BoundInput {
  /** Resource units the work spent (`$batch` sub-requests included). */
  resourceUnits: number;
  /** Report requests (directoryAudits, signIns) answered. */
  reportRequests: number;
  /** Requests in the longest chain of dependent requests. */
  longestChain: number;
  /** Mean measured round trip of that chain's requests, in ms. */
  roundTripMs: number;
}

export interface Bound {
  boundMs: number;
  resourceUnitsMs: number;
  reportsMs: number;
  chainMs: number;
  /** Which of the three binds. */
  binding: 'resourceUnits' | 'reports' | 'chain';
}

export function lowerBound(input: BoundInput, limits: BoundLimits): Bound {
  const resourceUnitsMs = bucketMs(input.resourceUnits, limits.resourceUnits);
  const reportsMs = bucketMs(input.reportRequests, limits.reports);
  const chainMs = input.longestChain * input.roundTripMs;
  // On a tie the chain is named: it is what pipelining and parallel reads would attack first.
  const terms = { chain: chainMs, reports: reportsMs, resourceUnits: resourceUnitsMs } as const;
  const binding = (Object.keys(terms) as Array<keyof typeof terms>).reduce((a, b) => (terms[b] > terms[a] ? b : a));
  return { boundMs: terms[binding], resourceUnitsMs, reportsMs, chainMs, binding };
}

/** When the last of `units` can be admitted at the earliest: the units beyond the burst drain at limit/window. */
export function bucketMs(units: number, bucket: BucketLimit): number {
  return (Math.max(0, units - bucket.limit) * bucket.windowMs) / bucket.limit;
}

/** Measured time over the bound; undefined when there is no bound to compare with. */
export function boundRatio(ms: number, boundMs: number): number | undefined {
  return boundMs > 0 ? ms / boundMs : undefined;
}
