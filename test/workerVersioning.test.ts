import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { saveConnectorSecret } from '../activities/secrets/connectorSecrets';
import { loadKeyRing } from '../activities/secrets/secretCipher';
import { upsertConnector } from '../activities/store/connectors';
import { createDatabase, type Database } from '../activities/store/database';
import { spawnWorkerProcess, type WorkerProcess } from '../client/dev/workerProcess';
import { describeDeployment } from '../client/workerDeployments';
import { ENV_CONNECTOR_ID } from '../shared/envConnector';
import { startSimulator, type RunningSimulator, type SimulatedTenant } from '../simulator/server';
import { EntraSyncWorkflow } from '../workflows';
import { runCli } from './support/cliProcess';
import { fastReportsThrottling, fastReportsWorkerEnv } from './support/fastReports';
import { createTestDatabase } from './support/testDatabase';
import { TEST_TLS_DIR } from './support/testTls';

// Worker Versioning as docs/operations.md ("Upgrading") prescribes it: build A's workers keep the
// run they started (PINNED) while build B, once current, takes every new run.

const tag = randomBytes(3).toString('hex');
const deploymentName = `versioning-${tag}`;
const taskQueue = `versioning-${tag}`;
const FRESH_CONNECTOR = 'fresh';
const USERS_DELTA = '/v1.0/users/delta';

let sim: RunningSimulator;
let held: SimulatedTenant;
let fresh: SimulatedTenant;
let connection: Connection;
let client: Client;
let db: Database;
let workerEnv: NodeJS.ProcessEnv;
const cleanups: Array<() => Promise<unknown>> = [];

async function startWorker(buildId: string): Promise<WorkerProcess> {
  const logDir = await mkdtemp(path.join(os.tmpdir(), `entra-sync-versioning-${buildId}-`));
  const worker = await spawnWorkerProcess('syncWorker.ts', { ...workerEnv, ENTRA_WORKER_DEPLOYMENT: deploymentName, ENTRA_WORKER_BUILD_ID: buildId }, logDir);
  cleanups.push(() => worker.stop());
  return worker;
}

const cli = (...args: string[]) => runCli(['workers', ...args, '--deployment', deploymentName], { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: taskQueue });

async function setCurrent(buildId: string): Promise<string> {
  const result = await cli('set-current', '--build-id', buildId, '--wait', '90');
  expect(result.stderr.split('\n').filter((line) => line.startsWith('entra-sync:'))).toEqual([]);
  expect(result.code).toBe(0);
  return result.stdout;
}

type Status = { currentBuildId?: string; versions: Array<{ buildId: string; status: string; runningWorkflows: number }> };
const status = async (): Promise<Status> => JSON.parse((await cli('status', '--json')).stdout) as Status;

async function until(what: string, condition: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Who did a run's work, from its history: the build of each workflow task, the worker of each activity. */
async function workersOf(handle: WorkflowHandle) {
  const events = (await handle.fetchHistory()).events ?? [];
  const timeOf = (e: temporal.api.history.v1.IHistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
  const workflowTasks = events.filter((e) => e.workflowTaskCompletedEventAttributes).map((e) => e.workflowTaskCompletedEventAttributes!.deploymentVersion?.buildId);
  const activities = events
    .filter((e) => e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes)
    .map((e) => ({ identity: (e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes)!.identity ?? '', at: timeOf(e) }));
  return { workflowTasks, activities };
}

const start = (connectorId: string) =>
  client.workflow.start(EntraSyncWorkflow, { taskQueue, workflowId: `versioning-${tag}-${connectorId}`, args: [{ connectorId }] });

const liveUsers = async (connectorId: string) =>
  (await db.query('select count(*)::int as n from users where connector_id = $1 and deleted_at is null', [connectorId])).rows[0].n as number;

beforeAll(async () => {
  // Two tenants of 20 users in pages of 10: the held run waits on its second page, the fresh one runs through.
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 81, users: 20, pageSize: 10, throttling: fastReportsThrottling, additionalTenants: [{ seed: 82, users: 20 }] });
  [held, fresh] = sim.tenants as [SimulatedTenant, SimulatedTenant];
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  const databaseUrl = await createTestDatabase(inject('postgresUrl'), 'versioning');
  db = createDatabase(databaseUrl);
  const encryptionKey = randomBytes(32).toString('base64');
  await upsertConnector(db, { id: ENV_CONNECTOR_ID, ...held.config, discoveryEnabled: false });
  await upsertConnector(db, { id: FRESH_CONNECTOR, ...fresh.config, discoveryEnabled: false });
  await saveConnectorSecret(db, loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: encryptionKey })!, FRESH_CONNECTOR, fresh.config.clientSecret);
  workerEnv = {
    PATH: process.env.PATH,
    NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    ENTRA_SYNC_ENCRYPTION_KEY: encryptionKey,
    ENTRA_TENANT_ID: held.config.tenantId,
    ENTRA_CLIENT_ID: held.config.clientId,
    ENTRA_CLIENT_SECRET: held.config.clientSecret,
    ENTRA_GRAPH_BASE_URL: held.config.graphBaseUrl,
    ENTRA_AUTHORITY_HOST: held.config.authorityHost,
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    ...fastReportsWorkerEnv,
  };
}, 60_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await db?.end();
  await connection?.close();
  await sim?.close();
});

describe('versioned workers (ENTRA_WORKER_DEPLOYMENT, ENTRA_WORKER_BUILD_ID) across a release', () => {
  it('a run started on build A finishes on A while build B, made current, takes the new runs', async () => {
    // B's workers start early, as a deploy brings them up beside A's: they take nothing until B is current.
    const [workerA, workerB] = await Promise.all([startWorker('A'), startWorker('B')]);
    expect(await setCurrent('A')).toContain('now start on build A (before: the unversioned workers)');

    // The held run: its second users page waits unanswered until released.
    const hold = held.faults.add({ pathPrefix: USERS_DELTA, kind: 'hold', nth: 2 });
    const heldRun = await start(ENV_CONNECTOR_ID);
    await until('the held run reaches its second users page', () => held.faults.list().find((f) => f.id === hold.id)!.fired > 0);

    expect(await setCurrent('B')).toContain('now start on build B (before: build A)');
    const switchedAt = Date.now();
    const freshRun = await start(FRESH_CONNECTOR);
    // Where the runs are, while the fresh run goes: the held run open on A, which drains, and B current.
    const whileHeld = (async () => {
      await until('visibility has the held run on A', async () => (await describeDeployment(client, 'default', deploymentName, taskQueue))?.versions.find((v) => v.buildId === 'A')?.runningWorkflows === 1);
      return status();
    })();
    expect((await freshRun.result()).streams.users).toMatchObject({ mode: 'bootstrap', upserted: fresh.tenant.activeUsers().length });
    expect(await whileHeld).toMatchObject({
      currentBuildId: 'B',
      versions: expect.arrayContaining([expect.objectContaining({ buildId: 'A', status: 'draining', runningWorkflows: 1 }), expect.objectContaining({ buildId: 'B', status: 'current' })]),
    });
    const onB = await workersOf(freshRun);
    expect(new Set(onB.workflowTasks)).toEqual(new Set(['B']));
    expect(onB.activities.length).toBeGreaterThan(0);
    expect(onB.activities.filter((a) => !a.identity.startsWith(`${workerB.pid}@`))).toEqual([]);

    held.faults.remove(hold.id);
    expect((await heldRun.result()).streams.users).toMatchObject({ mode: 'bootstrap', upserted: held.tenant.activeUsers().length });
    const onA = await workersOf(heldRun);
    expect(new Set(onA.workflowTasks)).toEqual(new Set(['A']));
    expect(onA.activities.filter((a) => !a.identity.startsWith(`${workerA.pid}@`))).toEqual([]);
    // A kept working for its run after B became current: the users pull and what follows it.
    expect(onA.activities.filter((a) => a.at >= switchedAt).length).toBeGreaterThan(1);

    expect(await liveUsers(ENV_CONNECTOR_ID)).toBe(held.tenant.activeUsers().length);
    expect(await liveUsers(FRESH_CONNECTOR)).toBe(fresh.tenant.activeUsers().length);

    // A next build must poll every queue the current one polls before it takes runs.
    const unstarted = await cli('set-current', '--build-id', 'C', '--wait', '1');
    expect(unstarted.code).toBe(1);
    expect(unstarted.stderr).toContain(`no worker of build C in deployment ${deploymentName} has polled ${taskQueue} (workflows), ${taskQueue} (activities) within 1s (build B polls them)`);
    expect((await status()).currentBuildId).toBe('B');
  }, 240_000);

  it('set-current names the variables to start a build with when none of its workers polls, and status a deployment no worker joined', async () => {
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: taskQueue };
    const absent = await runCli(['workers', 'set-current', '--build-id', 'never-started', '--deployment', `nobody-${tag}`, '--wait', '1'], env);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain(
      `entra-sync: no worker of build never-started in deployment nobody-${tag} has polled ${taskQueue} (workflows) within 1s; ` +
        `start the workers with ENTRA_WORKER_DEPLOYMENT=nobody-${tag} ENTRA_WORKER_BUILD_ID=never-started`,
    );
    const unknown = await runCli(['workers', 'status', '--deployment', `nobody-${tag}`], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`entra-sync: deployment nobody-${tag} does not exist in namespace default: no versioned worker of it has polled yet`);
  });
});
