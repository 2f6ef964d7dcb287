import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { upsertConnector } from '../activities/store/connectors';
import { createDatabase } from '../activities/store/database';
import { ENV_CONNECTOR_ID } from '../shared/envConnector';
import { spawnWorkerProcess, waitForPoller, type WorkerProcess } from '../client/dev/workerProcess';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { EntraSyncWorkflow } from '../workflows';
import { fastReportsThrottling, fastReportsWorkerEnv } from './support/fastReports';
import { inventoryDigest, type Digest } from './support/tableDigest';
import { createTestDatabase } from './support/testDatabase';
import { TEST_TLS_DIR } from './support/testTls';

let sim: RunningSimulator;
let client: Client;
let connection: Connection;
/** What an undisturbed run commits: the tenant never changes here, so one clean run serves every test. */
let clean: Digest;
const cleanups: Array<() => Promise<unknown>> = [];

/** A database with the connector, and a sync worker process of its own for it. */
async function deployment() {
  const databaseUrl = await createTestDatabase(inject('postgresUrl'), 'crash');
  const db = createDatabase(databaseUrl);
  cleanups.push(() => db.end());
  await upsertConnector(db, { id: ENV_CONNECTOR_ID, ...sim.config, discoveryEnabled: false });
  const taskQueue = `crash-${randomBytes(3).toString('hex')}`;
  const logDir = await mkdtemp(path.join(os.tmpdir(), 'entra-sync-crash-'));
  const startWorker = async (): Promise<WorkerProcess> => {
    const worker = await spawnWorkerProcess(
      'syncWorker.ts',
      {
        PATH: process.env.PATH,
        NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: taskQueue,
        ENTRA_TENANT_ID: sim.config.tenantId,
        ENTRA_CLIENT_ID: sim.config.clientId,
        ENTRA_CLIENT_SECRET: sim.config.clientSecret,
        ENTRA_GRAPH_BASE_URL: sim.config.graphBaseUrl,
        ENTRA_AUTHORITY_HOST: sim.config.authorityHost,
        LOG_LEVEL: 'warn',
        ...fastReportsWorkerEnv,
      },
      logDir,
    );
    cleanups.push(() => worker.stop());
    await waitForPoller(client, 'default', taskQueue, worker);
    return worker;
  };
  const start = () =>
    client.workflow.start(EntraSyncWorkflow, {
      taskQueue,
      workflowId: `crash-${taskQueue}-${Date.now()}`,
      args: [{ connectorId: ENV_CONNECTOR_ID }],
    });
  return { db, startWorker, start };
}

const deltaPagesServed = () => sim.requestLog.entries().filter((e) => e.path.includes('/delta') && e.status === 200).length;

beforeAll(async () => {
  // 30 users pages of 10: a middle page to be killed on. Crashes, not the reports pace, are what
  // this proves: reports run at the tests' faster pace on both sides.
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 21, users: 300, pageSize: 10, throttling: fastReportsThrottling });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  const undisturbed = await deployment();
  await undisturbed.startWorker();
  await (await undisturbed.start()).result();
  clean = await inventoryDigest(undisturbed.db, ENV_CONNECTOR_ID);
}, 180_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await connection?.close();
  await sim?.close();
});

describe('a worker killed with SIGKILL in the middle of a stream', () => {
  it('completes the run after a restart, and the tables equal those of a clean run', async () => {
    const crashed = await deployment();
    const worker = await crashed.startWorker();
    sim.requestLog.clear();
    // The 15th users page waits unanswered: the worker is killed mid-stream, however fast it runs.
    const hold = sim.faults.add({ pathPrefix: '/v1.0/users/delta', kind: 'hold', nth: 15 });
    const handle = await crashed.start();
    const deadline = Date.now() + 60_000;
    const held = () => sim.faults.list().find((f) => f.id === hold.id)!.fired > 0;
    while (!held() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(held()).toBe(true);
    process.kill(worker.pid, 'SIGKILL');
    await worker.exited;
    sim.faults.remove(hold.id);
    expect(deltaPagesServed()).toBeGreaterThanOrEqual(14);

    await crashed.startWorker();
    const summary = await handle.result();
    const described = await handle.describe();
    expect(described.status.name).toBe('COMPLETED');
    expect(summary.streams.users!.mode).toBe('bootstrap');

    const afterCrash = await inventoryDigest(crashed.db, ENV_CONNECTOR_ID);
    expect(afterCrash.users!.rows).toBe(sim.tenant.activeUsers().length);
    expect(afterCrash).toEqual(clean);
    const staged = await crashed.db.query('select count(*)::int as n from staged_objects');
    expect(staged.rows[0].n).toBe(0);
  }, 180_000);
});

describe('a pull reads the next page while it stages the current one', () => {
  const USERS_DELTA = '/v1.0/users/delta';
  const until = async (what: string, condition: () => boolean | Promise<boolean>, ms = 60_000) => {
    const deadline = Date.now() + ms;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  /** The users pull's heartbeat as Temporal recorded it: where a retried attempt would resume. */
  const usersHeartbeat = async (handle: Awaited<ReturnType<Awaited<ReturnType<typeof deployment>>['start']>>) => {
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    for (const activity of pending) {
      const payload = activity.heartbeatDetails?.payloads?.[0];
      if (!payload) continue;
      const details = defaultPayloadConverter.fromPayload<{ stream: string; pages: number; staged: number }>(payload);
      if (details.stream === 'users') return details;
    }
    return undefined;
  };

  it('requests page N+1 before page N is staged, heartbeats only staged pages, and a kill mid-pipeline loses and repeats nothing', async () => {
    const crashed = await deployment();
    const worker = await crashed.startWorker();
    sim.requestLog.clear();
    // Distinct links: a page read again by a retried attempt is not a page read ahead.
    const usersPagesServed = () => new Set(sim.requestLog.entries().filter((e) => e.path.startsWith(USERS_DELTA) && e.status === 200).map((e) => e.path)).size;
    const stagedUsers = async () => (await crashed.db.query(`select count(*)::int as n from staged_objects where stream = 'users'`)).rows[0].n as number;
    const pageSize = 10;

    // Page 3 waits unanswered; pages 1 and 2 get staged meanwhile.
    const hold = sim.faults.add({ pathPrefix: USERS_DELTA, kind: 'hold', nth: 3 });
    const handle = await crashed.start();
    await until('page 3 is held', () => sim.faults.list().find((f) => f.id === hold.id)!.fired > 0);
    await until('pages 1 and 2 are staged', async () => (await stagedUsers()) === 2 * pageSize);

    // Staging stops (a lock the pull cannot pass), then page 3 is answered: its staging waits on the lock.
    const locker = await crashed.db.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table staged_objects in exclusive mode');
      sim.faults.remove(hold.id);
      // The overlap: page 4 is requested while page 3 is still unstaged, and nothing beyond it.
      await until('page 4 is requested ahead', () => usersPagesServed() >= 4);
      expect(usersPagesServed()).toBe(4);
      expect(await stagedUsers()).toBe(2 * pageSize);
      // Temporal's copy of the heartbeat names the position after page 2: never a page whose predecessor is unstaged.
      await until('the heartbeat of page 2 is recorded', async () => ((await usersHeartbeat(handle))?.pages ?? 0) >= 2);
      expect(await usersHeartbeat(handle)).toMatchObject({ pages: 2, staged: 2 * pageSize });

      process.kill(worker.pid, 'SIGKILL');
      await worker.exited;
    } finally {
      await locker.query('rollback');
      locker.release();
    }

    await crashed.startWorker();
    const summary = await handle.result();
    expect(summary.streams.users!.mode).toBe('bootstrap');
    expect(summary.streams.users!.upserted).toBe(sim.tenant.activeUsers().length);
    // The retried attempt resumed at page 3, where the heartbeat pointed: page 1 was never read again.
    const firstPages = sim.requestLog.entries().filter((e) => e.path.startsWith(USERS_DELTA) && !e.path.toLowerCase().includes('skiptoken') && e.status === 200);
    expect(firstPages).toHaveLength(1);

    const afterCrash = await inventoryDigest(crashed.db, ENV_CONNECTOR_ID);
    expect(afterCrash.users!.rows).toBe(sim.tenant.activeUsers().length);
    expect(afterCrash).toEqual(clean);
    expect((await crashed.db.query('select count(*)::int as n from staged_objects')).rows[0].n).toBe(0);
  }, 240_000);
});
