import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import { inject } from 'vitest';
import { saveConnectorSecret } from '../../activities/secrets/connectorSecrets';
import { loadKeyRing } from '../../activities/secrets/secretCipher';
import { upsertConnector } from '../../activities/store/connectors';
import { createDatabase, type Database } from '../../activities/store/database';
import { spawnWorkerProcess, waitForPoller, type WorkerProcess } from '../../client/dev/workerProcess';
import { freePort } from '../../shared/freePort';
import type { RunningSimulator } from '../../simulator/server';
import { EntraSyncWorkflow } from '../../workflows';
import { fastReportsWorkerEnv } from './fastReports';
import { createTestDatabase } from './testDatabase';

/**
 * A sync worker process as production starts it (its own process, /metrics on a port of its own),
 * with a fresh database whose connectors point at a simulator; runs are started as the schedule
 * starts them, so the worker's metrics are the ones a scraper reads.
 */
export class LiveWorker {
  private constructor(
    readonly db: Database,
    readonly databaseUrl: string,
    readonly client: Client,
    private readonly connection: Connection,
    private readonly worker: WorkerProcess,
    readonly taskQueue: string,
    readonly metricsUrl: string,
    /** ENTRA_SYNC_ENCRYPTION_KEY of the worker: a receiver opening its subscriptions' clientStates needs it too. */
    readonly key: string,
  ) {}

  /** `env`: more of the worker's environment (OTEL_*); `interceptors`: the test's client's. */
  static async start(tag: string, options: { env?: Record<string, string>; interceptors?: ClientInterceptors } = {}): Promise<LiveWorker> {
    const databaseUrl = await createTestDatabase(inject('postgresUrl'), tag);
    const db = createDatabase(databaseUrl);
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const client = new Client({ connection, ...(options.interceptors ? { interceptors: options.interceptors } : {}) });
    const taskQueue = `${tag}-${randomBytes(3).toString('hex')}`;
    const key = randomBytes(32).toString('base64');
    const port = await freePort();
    const worker = await spawnWorkerProcess(
      'syncWorker.ts',
      {
        PATH: process.env.PATH,
        NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: taskQueue,
        ENTRA_SYNC_ENCRYPTION_KEY: key,
        METRICS_PORT: String(port),
        METRICS_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...fastReportsWorkerEnv,
        ...options.env,
      },
      await mkdtemp(path.join(os.tmpdir(), `entra-sync-${tag}-`)),
    );
    await waitForPoller(client, 'default', taskQueue, worker);
    return new LiveWorker(db, databaseUrl, client, connection, worker, taskQueue, `http://127.0.0.1:${port}/metrics`, key);
  }

  /** A connector of the simulator's tenant, its secret stored encrypted as the CLI stores it. */
  async addConnector(id: string, sim: RunningSimulator, secret = sim.config.clientSecret): Promise<void> {
    await upsertConnector(this.db, { id, ...sim.config, discoveryEnabled: false });
    await saveConnectorSecret(this.db, loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: this.key })!, id, secret);
  }

  /** One run of the connector to its end; resolves whether it committed or failed. */
  async sync(connectorId: string): Promise<'succeeded' | 'failed'> {
    const handle = await this.client.workflow.start(EntraSyncWorkflow, {
      taskQueue: this.taskQueue,
      workflowId: `entra-sync-${connectorId}-${randomBytes(3).toString('hex')}`,
      args: [{ connectorId }],
    });
    return handle.result().then(
      () => 'succeeded' as const,
      () => 'failed' as const,
    );
  }

  /** The worker's stdout and stderr: its JSON log lines. */
  get logFile(): string {
    return this.worker.logFile;
  }

  async scrape(): Promise<string> {
    const response = await fetch(this.metricsUrl);
    if (!response.ok) throw new Error(`GET ${this.metricsUrl} answered ${response.status}`);
    return response.text();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
    await this.connection.close();
    await this.db.end();
  }
}
