import { configDefaults, defineConfig } from 'vitest/config';
import { ensureSelfSignedCertificate } from './simulator/tls';
import JsonReportWithUnhandledErrors from './test/support/jsonReport';
import { SlowestFirstSequencer } from './test/support/slowestFirst';
import { TEST_TLS_DIR } from './test/support/testTls';

/** The deliberately failing canary runs only when asked for (.ci/run proves with it that a failure fails the command). */
const CANARY = process.env.ENTRA_SYNC_TEST_CANARY === '1';

export default defineConfig(async () => {
  // Node reads NODE_EXTRA_CA_CERTS once, at process start: the certificate must exist and the
  // variable be set here, before vitest forks the processes that run the tests.
  const certificate = await ensureSelfSignedCertificate(TEST_TLS_DIR);
  process.env.NODE_EXTRA_CA_CERTS = certificate.certPath;
  return {
    test: {
      pool: 'forks',
      include: CANARY ? ['test/canary/**/*.test.ts'] : ['test/**/*.test.ts'],
      exclude: CANARY ? configDefaults.exclude : [...configDefaults.exclude, 'test/canary/**'],
      globalSetup: ['test/support/globalSetup.ts'],
      // The JSON report (with the unhandled errors, test/support/jsonReport.ts) is what .ci/run counts tests from.
      reporters: ['default', new JsonReportWithUnhandledErrors({ outputFile: process.env.ENTRA_SYNC_TEST_REPORT ?? '.entra-sync/test-report.json' })],
      testTimeout: 120_000,
      hookTimeout: 180_000,
      fileParallelism: true,
      poolOptions: { forks: { maxForks: 4 } },
      // Four forks on two cores: the files mostly wait on Temporal, the simulator and PostgreSQL
      // (docs/testing.md, "How long the suite takes"). The slowest files first, so the forks finish together
      // (test/support/slowestFirst.ts).
      sequence: { sequencer: SlowestFirstSequencer },
    },
  };
});
