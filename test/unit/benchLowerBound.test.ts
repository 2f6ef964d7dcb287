import { describe, expect, it } from 'vitest';
import { boundRatio, bucketMs, lowerBound, type BoundLimits } from '../../bench/lowerBound';

// Microsoft's documented limits (docs/graph-behaviour.md, "Throttling"): 8,000 RU per 10 s for
// a tenant above 500 users, and 5 report requests per 10 s per app and tenant.
const LIMITS: BoundLimits = {
  resourceUnits: { limit: 8_000, windowMs: 10_000 },
  reports: { limit: 5, windowMs: 10_000 },
};

describe('bucketMs: when the last unit can be admitted', () => {
  it('lets the burst through at once', () => {
    expect(bucketMs(5, LIMITS.reports)).toBe(0);
    expect(bucketMs(8_000, LIMITS.resourceUnits)).toBe(0);
    expect(bucketMs(0, LIMITS.reports)).toBe(0);
  });

  it('drains what is beyond the burst at limit per window', () => {
    // 23 report pages: 5 at once, 18 more at 0.5 per second.
    expect(bucketMs(23, LIMITS.reports)).toBe(36_000);
    // 24,000 RU: 8,000 at once, 16,000 more at 800 per second.
    expect(bucketMs(24_000, LIMITS.resourceUnits)).toBe(20_000);
  });
});

describe('lowerBound', () => {
  it('is the chain when pages follow one another and the buckets are not reached', () => {
    const bound = lowerBound({ resourceUnits: 984, reportRequests: 3, longestChain: 100, roundTripMs: 60 }, LIMITS);
    expect(bound).toEqual({ boundMs: 6_000, resourceUnitsMs: 0, reportsMs: 0, chainMs: 6_000, binding: 'chain' });
  });

  it('is the reports limit when audit pages are many', () => {
    const bound = lowerBound({ resourceUnits: 9_144, reportRequests: 23, longestChain: 1_000, roundTripMs: 20 }, LIMITS);
    expect(bound.binding).toBe('reports');
    expect(bound.boundMs).toBe(36_000);
    expect(bound.resourceUnitsMs).toBeCloseTo(1_430, 6);
    expect(bound.chainMs).toBe(20_000);
  });

  it('is the resource units when they are far beyond the burst', () => {
    const bound = lowerBound({ resourceUnits: 80_000, reportRequests: 0, longestChain: 10, roundTripMs: 50 }, LIMITS);
    expect(bound.binding).toBe('resourceUnits');
    expect(bound.boundMs).toBe(90_000);
  });

  it('names the chain on a tie', () => {
    expect(lowerBound({ resourceUnits: 3, reportRequests: 1, longestChain: 0, roundTripMs: 0 }, LIMITS).binding).toBe('chain');
  });
});

describe('boundRatio', () => {
  it('is measured over bound, and undefined without a bound', () => {
    expect(boundRatio(3_000, 1_500)).toBe(2);
    expect(boundRatio(3_000, 0)).toBeUndefined();
  });
});
