import { describe, expect, it } from 'vitest';
import { runFigures, summaryLine } from '../../bench/benchSummary';
import type { PartBound } from '../../bench/runBounds';

const run = (ms: number, boundMs: number, ratio: number | undefined): PartBound => ({
  part: 'run', ms, ratio, boundMs, resourceUnitsMs: 0, reportsMs: 0, chainMs: boundMs, binding: 'chain',
  resourceUnits: 0, reportRequests: 0, longestChain: 0, roundTripMs: 0, meanRoundTripMs: 0,
});

/** A finalize queued 2 ms and run 640 ms, after two pulls. */
const timeline = {
  activities: [
    { name: 'prepareRun', scheduledAt: 10, queueMs: 1, runMs: 20, attempt: 1 },
    { name: 'pullDelta users', scheduledAt: 40, queueMs: 3, runMs: 900, attempt: 1 },
    { name: 'finalizeRun', scheduledAt: 950, queueMs: 2, runMs: 640, attempt: 1 },
  ],
};

describe('the --json summary line', () => {
  it('has exactly the keys issues 14 and 30 name, in their order, on one line', () => {
    const line = summaryLine({
      users: 10_000,
      bootstrap: runFigures(run(5_432.4, 3_000.6, 5_432.4 / 3_000.6), timeline),
      incremental: runFigures(run(1_500, 0, undefined), { activities: [] }),
      workerPeakRssMiB: 400.4,
      workerIdleRssMiB: 330.1,
    });
    expect(line).toBe(
      '{"users":10000,"bootstrap":{"ms":5432,"boundMs":3001,"ratio":1.81,"finalizeMs":642,"overheadMs":2431},"incremental":{"ms":1500,"boundMs":0,"ratio":null,"finalizeMs":0,"overheadMs":1500},"workerPeakRssMiB":400.4,"workerIdleRssMiB":330.1}',
    );
  });
});
