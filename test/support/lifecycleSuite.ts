import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lifecycleScenarios } from '../../reliability/lifecycleScenarios';
import { runScenario } from '../../reliability/runner';
import type { Scenario } from '../../reliability/scenario';
import { startStack, type Stack } from '../../reliability/stack';
import { fastReportsThrottling, fastReportsWorkerEnv } from './fastReports';

/**
 * The lifecycle scenarios in two halves, one per test file, so the suite's two forks share them
 * instead of one fork running all ten at the end. A scenario not a reset is in the other half:
 * together the halves are always every scenario.
 */
export const LIFECYCLE_HALVES = {
  resets: (scenario: Scenario) => scenario.name.startsWith('reset'),
  endings: (scenario: Scenario) => !scenario.name.startsWith('reset'),
} as const;

/**
 * Every way a run can end (reset at each point the Web UI offers, overlap, terminate, cancel,
 * concurrent finalizes), with real worker processes, the dev server, PostgreSQL and the
 * simulator: the same scenarios as `npm run reliability -- --suite lifecycle`, each checked
 * against a fresh clean run's table digests and the tenant's ground truth, with nothing left in
 * staging and nothing left running, and then against the tenant again after it changes and one
 * more run lands the changes (reliability/runner.ts).
 * None is about the reports pace, so reports run at the tests' faster pace on both sides.
 */
export function describeLifecycle(half: keyof typeof LIFECYCLE_HALVES): void {
  describe('run lifecycle', () => {
    let stack: Stack | undefined;

    beforeAll(async () => {
      stack = await startStack(
        {
          users: 40,
          seed: 11,
          pageSize: 10,
          shared: { temporalAddress: inject('temporalAddress'), postgresUrl: inject('postgresUrl') },
          throttling: fastReportsThrottling,
          workerEnv: fastReportsWorkerEnv,
        },
        () => undefined,
      );
    }, 240_000);

    afterAll(async () => {
      await stack?.stop();
    });

    for (const [index, scenario] of lifecycleScenarios().filter(LIFECYCLE_HALVES[half]).entries()) {
      it(scenario.name, async () => {
        const result = await runScenario(stack!, scenario, index + 1);
        expect(result.detail, scenario.proves).not.toMatch(/differs|left in|still marked running/);
        expect(result.passed, `${scenario.proves}: ${result.detail}`).toBe(true);
        expect(result.digestEqual).toBe(true);
      }, 420_000);
    }
  });
}
