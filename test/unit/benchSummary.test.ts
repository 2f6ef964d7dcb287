import { describe, expect, it } from 'vitest';
import { runFigures, summaryLine } from '../../bench/benchSummary';
import type { PartBound } from '../../bench/runBounds';

const run = (ms: number, boundMs: number, ratio: number | undefined): PartBound => ({
  part: 'run', ms, ratio, boundMs, resourceUnitsMs: 0, reportsMs: 0, chainMs: boundMs, binding: 'chain',
  resourceUnits: 0, reportRequests: 0, longestChain: 0, roundTripMs: 0, meanRoundTripMs: 0,
});

describe('the --json summary line', () => {
  it('has exactly the keys issue 14 names, in its order, on one line', () => {
    const line = summaryLine({
      users: 10_000,
      bootstrap: runFigures(run(5_432.4, 3_000.6, 5_432.4 / 3_000.6)),
      incremental: runFigures(run(1_500, 0, undefined)),
      workerPeakRssMiB: 400.4,
      workerIdleRssMiB: 330.1,
    });
    expect(line).toBe(
      '{"users":10000,"bootstrap":{"ms":5432,"boundMs":3001,"ratio":1.81},"incremental":{"ms":1500,"boundMs":0,"ratio":null},"workerPeakRssMiB":400.4,"workerIdleRssMiB":330.1}',
    );
  });
});
