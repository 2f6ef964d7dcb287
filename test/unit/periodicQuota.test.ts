import { describe, expect, it } from 'vitest';
import { periodicQuota } from '../../activities/staging/periodicQuota';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('periodicQuota: the share of targets a run re-reads for freshness', () => {
  it('spreads a period over the runs: every 15 minutes against 1 day, 1/96 of the targets each', () => {
    expect(periodicQuota({ total: 9_600, due: 0, elapsedMs: 15 * 60_000, periodMs: DAY })).toBe(100);
  });

  it('keeps a steady state: targets read oldest first come due no sooner than a period after their read', () => {
    // 1,000 targets read at once (an upgrade's first run), then a run every hour against a 10 h period.
    const total = 1_000;
    const period = 10 * HOUR;
    let reads = Array.from({ length: total }, () => 0);
    let perRun = 0;
    for (let run = 1; run <= 30; run++) {
      const now = run * HOUR;
      const due = reads.filter((at) => at <= now - period).length;
      const quota = periodicQuota({ total, due, elapsedMs: HOUR, periodMs: period });
      // The oldest reads are taken first.
      reads = [...reads].sort((a, b) => a - b).map((at, i) => (i < quota ? now : at));
      perRun = Math.max(perRun, quota);
      expect(Math.min(...reads)).toBeGreaterThan(now - period - HOUR); // nothing older than a period and a run
    }
    expect(perRun).toBe(100); // a tenth per run, never everything at once
  });

  it('always takes every due target, even when the runs came close together', () => {
    expect(periodicQuota({ total: 500, due: 37, elapsedMs: 5_000, periodMs: DAY })).toBe(37);
  });

  it('reads nothing for freshness when runs are seconds apart and nothing is due', () => {
    expect(periodicQuota({ total: 500, due: 0, elapsedMs: 5_000, periodMs: DAY })).toBe(0);
  });

  it('reads everything after a pause of a period or more, never more than everything', () => {
    expect(periodicQuota({ total: 500, due: 0, elapsedMs: 3 * DAY, periodMs: DAY })).toBe(500);
    expect(periodicQuota({ total: 500, due: 500, elapsedMs: 3 * DAY, periodMs: DAY })).toBe(500);
  });

  it('has nothing to take from an empty inventory', () => {
    expect(periodicQuota({ total: 0, due: 0, elapsedMs: DAY, periodMs: DAY })).toBe(0);
  });
});
