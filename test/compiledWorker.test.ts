import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildWorkers, DIST_DIR } from '../build/buildWorkers';
import { currentCompiledWorker } from '../client/dev/compiledWorker';
import { spawnWorkerProcess, waitForPoller, type WorkerProcess } from '../client/dev/workerProcess';
import { stopChild } from '../client/dev/temporalDevServer';
import { createTestDatabase } from './support/testDatabase';

const tag = `compiled${randomBytes(3).toString('hex')}`;
const COMPILED_SYNC_WORKER = path.join(DIST_DIR, 'workers', 'syncWorker.js');

let connection: Connection;
let client: Client;
let env: NodeJS.ProcessEnv;
let logDir: string;
const workers: WorkerProcess[] = [];

/** `node dist/workers/syncWorker.js`, as `npm run worker` and the container image start it. */
async function startCompiledWorker(taskQueue: string): Promise<WorkerProcess> {
  const logFile = path.join(logDir, `${taskQueue}.log`);
  const log = await open(logFile, 'a');
  const child = spawn(process.execPath, [COMPILED_SYNC_WORKER], { env: { ...env, TEMPORAL_TASK_QUEUE: taskQueue }, stdio: ['ignore', log.fd, log.fd] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.finally(() => log.close().catch(() => undefined));
  return { pid: child.pid!, logFile, exited, stop: () => stopChild(child, exited) };
}

/** The command lines of a process's children (`ps` lists zombies as `[name] <defunct>`). */
function childProcesses(pid: number): string[] {
  try {
    return execFileSync('ps', ['--ppid', String(pid), '-o', 'args='], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

describe('the compiled workers (npm run build)', () => {
  beforeAll(async () => {
    // .ci/run builds before the tests; build here only when that build is missing or stale, so
    // that no worker another test file starts from dist/ loses its files under it.
    if (!(await currentCompiledWorker('syncWorker.ts'))) await buildWorkers();
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection });
    logDir = await mkdtemp(path.join(os.tmpdir(), 'entra-sync-compiled-'));
    env = {
      PATH: process.env.PATH,
      NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
      DATABASE_URL: await createTestDatabase(inject('postgresUrl'), 'compiled'),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      ENTRA_SYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      METRICS_PORT: '0',
    };
  });

  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await connection?.close();
  });

  it('node dist/workers/syncWorker.js polls its task queue with the prebuilt workflows', async () => {
    const queue = `${tag}-direct`;
    const worker = await startCompiledWorker(queue);
    workers.push(worker);
    await waitForPoller(client, 'default', queue, worker);
    await waitForPoller(client, 'default', queue, worker, 'activity');
    expect(await readFile(worker.logFile, 'utf8')).not.toMatch(/error/i);
  });

  it('the launcher starts the compiled worker when the build is current, and it leaves no esbuild zombies', async () => {
    const queue = `${tag}-launcher`;
    const worker = await spawnWorkerProcess('syncWorker.ts', { ...env, TEMPORAL_TASK_QUEUE: queue }, logDir);
    workers.push(worker);
    await waitForPoller(client, 'default', queue, worker);
    const commandLine = (await readFile(`/proc/${worker.pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    expect(commandLine.slice(1)).toEqual([COMPILED_SYNC_WORKER]);
    expect(childProcesses(worker.pid).filter((p) => /esbuild|defunct/.test(p))).toEqual([]);
  });
});
