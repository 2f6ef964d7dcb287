import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { upsertConnector } from '../activities/store/connectors';
import { saveConnectorSecret } from '../activities/secrets/connectorSecrets';
import { loadKeyRing, SECRET_KEY_VARIABLES } from '../activities/secrets/secretCipher';
import { createDatabase, type Database } from '../activities/store/database';
import { startEmbeddedPostgres } from '../client/dev/embeddedPostgres';
import { freePort } from '../shared/freePort';
import { startTemporalDevServer } from '../client/dev/temporalDevServer';
import { spawnWorkerProcess, waitForPoller, type WorkerProcess } from '../client/dev/workerProcess';
import { ENV_CONNECTOR_ID } from '../shared/envConnector';
import { DEFAULT_GRANTED_PERMISSIONS } from '../simulator/identity/clientApplication';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import type { ThrottlingOptions } from '../simulator/traffic/throttle';
import type { LatencyOptions } from '../simulator/traffic/latency';
import { createTestDatabase } from '../test/support/testDatabase';
import { runCli, type CliRun } from '../test/support/cliProcess';
import { EntraSyncWorkflow } from '../workflows';
import { until } from './waits';

export type StackOptions = {
  users: number;
  seed: number;
  pageSize: number;
  /** A dev server and PostgreSQL already running (the test suite's); started here when absent. */
  shared?: { temporalAddress: string; postgresUrl: string };
  /** The simulator's throttling, and variables every worker process gets (a test's faster report pace, test/support/fastReports.ts). */
  throttling?: ThrottlingOptions;
  workerEnv?: Record<string, string>;
  /** Simulated network latency of Graph answers (the tail benchmark's; none by default). */
  latency?: LatencyOptions;
};

/** The real parts every scenario shares: PostgreSQL, a Temporal dev server and one simulated tenant. */
export type Stack = {
  sim: RunningSimulator;
  client: Client;
  temporalAddress: string;
  deploy: () => Promise<Deployment>;
  /** Stops PostgreSQL (every session ends) and starts it again on the same port and data; `whileDown` runs in between. */
  restartPostgres: (whileDown?: () => Promise<void>) => Promise<void>;
  /** Stops the Temporal dev server and starts it again on the same port and history file. */
  restartTemporal: () => Promise<void>;
  stop: () => Promise<void>;
};

export type WorkerKind = 'sync' | 'discovery';

/**
 * One connector in a database of its own, with its own task queues and worker processes, so a
 * scenario starts from nothing and can kill and restart its workers.
 */
export type Deployment = {
  sim: RunningSimulator;
  client: Client;
  db: Database;
  databaseUrl: string;
  connectorId: string;
  /** The sync workers' task queue (a tail started here runs on it). */
  syncTaskQueue: string;
  /** The workers' ENTRA_SYNC_ENCRYPTION_KEY (a notification receiver opens the subscriptions' clientStates with it). */
  encryptionKey: string;
  temporalAddress: string;
  /** `extraEnv`: for this process only, such as ENTRA_SYNC_KILL_AT (activities/killPoint.ts). */
  startWorker: (kind: WorkerKind, extraEnv?: Record<string, string>) => Promise<WorkerProcess>;
  /** The sync and the discovery worker, each with extra variables if given. */
  startWorkers: (extraEnv?: Partial<Record<WorkerKind, Record<string, string>>>) => Promise<void>;
  /** SIGKILL, as a lost host or an OOM kill would end it; waits until the process is gone. */
  killWorker: (kind: WorkerKind) => Promise<void>;
  /** Until a worker that kills itself at a kill point is gone (with a deadline). */
  workerDied: (kind: WorkerKind) => Promise<void>;
  /** A run of the deployment's connector, or of another one added with addConnector. */
  startRun: (connectorId?: string) => Promise<WorkflowHandleWithFirstExecutionRunId<typeof EntraSyncWorkflow>>;
  /** Another connector of the same tenant in the same database, its secret stored encrypted. */
  addConnector: (connectorId: string) => Promise<void>;
  /** `entra-sync ARGS` in its own process, against this deployment's database and Temporal. */
  cli: (args: string[]) => Promise<CliRun>;
  /** Stops its workers and closes its pool (again at the stack's end: a second call does nothing). */
  close: () => Promise<void>;
};

export async function startStack(options: StackOptions, say: (line: string) => void): Promise<Stack> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'entra-sync-reliability-'));
  // As root, PostgreSQL runs as a user of its own, which must be able to enter this folder.
  await chmod(scratch, 0o755);
  const stops: Array<() => Promise<unknown>> = [() => rm(scratch, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    // Discovery is on in every deployment, so the app is granted what grants need too.
    const grantedPermissions = [...DEFAULT_GRANTED_PERMISSIONS, 'DelegatedPermissionGrant.Read.All'];
    const sim = await startSimulator({
      tlsDir: path.join(scratch, 'tls'),
      seed: options.seed,
      users: options.users,
      pageSize: options.pageSize,
      grantedPermissions,
      // Scenarios read a run's requests from the log by position: it must keep every scenario's.
      requestLogCapacity: 2_000_000,
      ...(options.throttling ? { throttling: options.throttling } : {}),
      ...(options.latency ? { latency: options.latency } : {}),
    });
    stops.push(() => sim.close());
    const servers = options.shared ? undefined : await startServers(scratch, stops);
    const postgres = servers?.postgres ?? { url: options.shared!.postgresUrl };
    const temporal = servers?.temporal ?? { address: options.shared!.temporalAddress };
    const owned = (what: string) => {
      if (!servers) throw new Error(`this stack shares the test suite's servers; it cannot restart ${what}`);
      return servers;
    };
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const client = new Client({ connection });
    say(`stack: PostgreSQL, Temporal ${temporal.address}, simulator with ${options.users} users (seed ${options.seed}, pages of ${options.pageSize})`);
    const deploy = async () => {
      const deployment = await deployConnector(sim, client, temporal.address, postgres.url, scratch, options.workerEnv ?? {});
      stops.push(deployment.close);
      return deployment;
    };
    const restartPostgres = (whileDown?: () => Promise<void>) => owned('PostgreSQL').restartPostgres(whileDown);
    const restartTemporal = () => owned('Temporal').restartTemporal();
    return { sim, client, temporalAddress: temporal.address, deploy, restartPostgres, restartTemporal, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function startServers(scratch: string, stops: Array<() => Promise<unknown>>) {
  // History in a file, so the dev server can be restarted under a running workflow.
  const devServer = { dataDir: path.resolve('.entra-sync'), namespace: 'default', port: await freePort(), headless: true, dbFile: path.join(scratch, 'temporal.db') };
  const [postgres, started] = await Promise.all([startEmbeddedPostgres(scratch, 'postgres'), startTemporalDevServer(devServer)]);
  let temporal = started;
  stops.push(() => postgres.stop(), () => temporal.stop());
  const restartTemporal = async () => {
    await temporal.stop();
    temporal = await startTemporalDevServer(devServer);
  };
  return { postgres, temporal, restartPostgres: postgres.restart, restartTemporal };
}

async function deployConnector(
  sim: RunningSimulator,
  client: Client,
  temporalAddress: string,
  serverUrl: string,
  scratch: string,
  workerEnv: Record<string, string>,
): Promise<Deployment> {
  const tag = randomBytes(4).toString('hex');
  const databaseUrl = await createTestDatabase(serverUrl, 'reliability');
  const db = createDatabase(databaseUrl);
  const connectorId = ENV_CONNECTOR_ID;
  await upsertConnector(db, { id: connectorId, ...sim.config, discoveryEnabled: true });
  const queues = { sync: `reliability-${tag}`, discovery: `reliability-${tag}-discovery` };
  const secretKey = randomBytes(32).toString('base64');
  const env = {
    PATH: process.env.PATH,
    NODE_EXTRA_CA_CERTS: sim.config.caCertPath,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: queues.sync,
    TEMPORAL_DISCOVERY_TASK_QUEUE: queues.discovery,
    ENTRA_TENANT_ID: sim.config.tenantId,
    ENTRA_CLIENT_ID: sim.config.clientId,
    ENTRA_CLIENT_SECRET: sim.config.clientSecret,
    ENTRA_GRAPH_BASE_URL: sim.config.graphBaseUrl,
    ENTRA_AUTHORITY_HOST: sim.config.authorityHost,
    [SECRET_KEY_VARIABLES.current]: secretKey,
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    ...workerEnv,
  };
  const workers = new Map<WorkerKind, WorkerProcess>();
  const logDir = path.join(scratch, 'logs', tag);
  const startWorker = async (kind: WorkerKind, extraEnv: Record<string, string> = {}) => {
    const worker = await spawnWorkerProcess(kind === 'sync' ? 'syncWorker.ts' : 'discoveryWorker.ts', { ...env, ...extraEnv }, logDir);
    workers.set(kind, worker);
    await waitForPoller(client, 'default', queues[kind], worker, kind === 'sync' ? 'workflow' : 'activity');
    return worker;
  };
  const startWorkers = async (extraEnv: Partial<Record<WorkerKind, Record<string, string>>> = {}) => {
    await startWorker('sync', extraEnv.sync);
    await startWorker('discovery', extraEnv.discovery);
  };
  const killWorker = async (kind: WorkerKind) => {
    const worker = workers.get(kind);
    if (!worker) throw new Error(`no ${kind} worker is running`);
    process.kill(worker.pid, 'SIGKILL');
    await worker.exited;
    workers.delete(kind);
  };
  const workerDied = async (kind: WorkerKind) => {
    const worker = workers.get(kind);
    if (!worker) throw new Error(`no ${kind} worker is running`);
    let gone = false;
    void worker.exited.then(() => (gone = true));
    await until(`the ${kind} worker to kill itself`, () => (gone ? true : undefined));
    workers.delete(kind);
  };
  const startRun = (id = connectorId) =>
    client.workflow.start(EntraSyncWorkflow, { taskQueue: queues.sync, workflowId: `reliability-${tag}-${id}-${Date.now()}`, args: [{ connectorId: id }] });
  const addConnector = async (id: string) => {
    await upsertConnector(db, { id, ...sim.config, discoveryEnabled: true });
    await saveConnectorSecret(db, loadKeyRing({ [SECRET_KEY_VARIABLES.current]: secretKey })!, id, sim.config.clientSecret);
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const worker of workers.values()) await worker.stop().catch(() => undefined);
    await db.end();
  };
  // The deployment's own task queues: what the CLI schedules or starts must reach its workers.
  const cli = (args: string[]) =>
    runCli(args, {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: queues.sync,
      TEMPORAL_DISCOVERY_TASK_QUEUE: queues.discovery,
      [SECRET_KEY_VARIABLES.current]: secretKey,
    });
  return { sim, client, db, databaseUrl, connectorId, syncTaskQueue: queues.sync, encryptionKey: secretKey, temporalAddress, startWorker, startWorkers, killWorker, workerDied, startRun, addConnector, cli, close };
}
