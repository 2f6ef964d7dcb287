import path from 'node:path';

/** vitest.config.ts creates the certificate here and trusts it for every test process. */
export const TEST_TLS_DIR = path.resolve('.entra-sync/test/tls');
