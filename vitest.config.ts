import { defineConfig } from 'vitest/config';
import { ensureSelfSignedCertificate } from './simulator/tls';
import { TEST_TLS_DIR } from './test/support/testTls';

export default defineConfig(async () => {
  // Node reads NODE_EXTRA_CA_CERTS once, at process start: the certificate must exist and the
  // variable be set here, before vitest forks the processes that run the tests.
  const certificate = await ensureSelfSignedCertificate(TEST_TLS_DIR);
  process.env.NODE_EXTRA_CA_CERTS = certificate.certPath;
  return {
    test: {
      pool: 'forks',
      include: ['test/**/*.test.ts'],
      globalSetup: ['test/support/globalSetup.ts'],
      testTimeout: 120_000,
      hookTimeout: 180_000,
      fileParallelism: true,
      poolOptions: { forks: { maxForks: 2 } },
    },
  };
});
