import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The test files that take longest, longest first (seconds of the last full `npm test`, see
 * docs/testing.md, "How long the suite takes"). Vitest orders a clean checkout's files by size, so
 * a long file could start last and run alone while the other fork idles; started first, the short
 * files fill both forks at the end. Update the list when a file becomes one of the slowest.
 */
export const SLOWEST_FILES = [
  'test/cli.test.ts',
  'test/runLifecycleEndings.test.ts',
  'test/temporalTls.test.ts',
  'test/workerCrash.test.ts',
  'test/runLifecycle.test.ts',
  'test/auditBackfill.test.ts',
  'test/groupOwners.test.ts',
  'test/deltaFaults.test.ts',
  'test/tailBench.test.ts',
  'test/reportsBudget.test.ts',
  'test/auditDensity.test.ts',
  'test/start.test.ts',
  'test/credentialKinds.test.ts',
  'test/discovery.test.ts',
  'test/workflow/entraTail.test.ts',
  'test/connectorTenantChange.test.ts',
  'test/workerVersioning.test.ts',
  'test/tailMode.test.ts',
  'test/auditProbe.test.ts',
  'test/notificationUnavailable.test.ts',
  'test/report.test.ts',
  'test/connectorCloud.test.ts',
  'test/auditOverlap.test.ts',
  'test/relationships.test.ts',
];

/** Vitest's order (failed first, then by recorded duration or size), with the slowest files moved to the front. */
export class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = SLOWEST_FILES.indexOf(path.relative(file.project.config.root, file.moduleId).split(path.sep).join('/'));
      return index < 0 ? SLOWEST_FILES.length : index;
    };
    // Array.prototype.sort is stable: files not in the list keep vitest's order behind them.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
