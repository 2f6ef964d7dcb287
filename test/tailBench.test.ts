import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runTailBench } from '../bench/tailBenchRun';
import { startStack, type Deployment, type Stack } from '../reliability/stack';
import { fastReportsThrottling, fastReportsWorkerEnv } from './support/fastReports';

/**
 * The tail benchmark end to end at a tiny size, with the tail and scheduled full runs: every
 * steady change is seen in PostgreSQL, tail passes commit, no full run fails or retries, and the
 * database ends equal to the simulator's ground truth (compared by test/support/tenantTruth.ts,
 * not by the bench).
 */
describe('tail benchmark (npm run bench:tail)', () => {
  let stack: Stack | undefined;
  let deployment: Deployment;

  beforeAll(async () => {
    stack = await startStack(
      {
        users: 200,
        seed: 5,
        pageSize: 100,
        shared: { temporalAddress: inject('temporalAddress'), postgresUrl: inject('postgresUrl') },
        throttling: fastReportsThrottling,
        workerEnv: fastReportsWorkerEnv,
      },
      () => undefined,
    );
    deployment = await stack.deploy();
    await deployment.startWorker('sync');
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('sees every change land, with no full run hurt and the ground truth held', async () => {
    const report = await runTailBench(
      deployment,
      { tail: true, tailInterval: '2s', fullEvery: '20s', fullEveryMs: 20_000, ratePerSecond: 5, durationMs: 10_000, seed: 5, pollMs: 250, settleMs: 60_000 },
      () => undefined,
    );
    expect(report.changes).toBe(50);
    expect(report.unobserved).toEqual([]);
    expect(report.latency.all).toMatchObject({ changes: 50, observed: 50, wentBack: 0 });
    expect(report.fullRuns.byStatus.failed ?? 0).toBe(0);
    expect(report.fullRuns.byStatus.succeeded).toBeGreaterThanOrEqual(1);
    expect(report.fullRuns.retried).toEqual([]);
    expect(report.tailPasses.succeeded).toBeGreaterThanOrEqual(1);
    expect(report.graph.requests).toBeGreaterThan(0);
    expect(report.groundTruth.differences).toEqual([]);
    expect(report.groundTruth.equal).toBe(true);
  }, 120_000);
});
