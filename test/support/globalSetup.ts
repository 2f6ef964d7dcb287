import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../client/dev/embeddedPostgres';
import { freePort } from '../../shared/freePort';
import { startTemporalDevServer } from '../../client/dev/temporalDevServer';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    postgresUrl: string;
  }
}

/** One Temporal dev server and one PostgreSQL for the whole suite; each test file isolates itself. */
export default async function setup(project: TestProject) {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'entra-sync-test-'));
  // As root, PostgreSQL runs as a user of its own, which must be able to enter this folder.
  await chmod(scratch, 0o755);
  const started = await Promise.allSettled([
    startEmbeddedPostgres(scratch, 'postgres'),
    freePort().then((port) =>
      startTemporalDevServer({
        dataDir: path.resolve('.entra-sync'),
        namespace: 'default',
        cliPath: process.env.TEMPORAL_CLI_PATH,
        port,
        headless: true,
      }),
    ),
  ]);
  const [postgres, temporal] = [started[0], started[1]].map((s) => (s.status === 'fulfilled' ? s.value : undefined)) as [
    Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined,
    Awaited<ReturnType<typeof startTemporalDevServer>> | undefined,
  ];
  if (!postgres || !temporal) {
    // Never leave one service running when the other could not start.
    await Promise.all([postgres?.stop(), temporal?.stop()]);
    throw (started.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason;
  }
  project.provide('temporalAddress', temporal.address);
  project.provide('postgresUrl', postgres.url);
  return async () => {
    await temporal.stop();
    await postgres.stop();
    await rm(scratch, { recursive: true, force: true });
  };
}
