import { randomBytes } from 'node:crypto';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { inject } from 'vitest';
import type { RunSummary } from '../../activities';
import { StaticSecretStore, type SecretStore } from '../../activities/secrets/secretStore';
import { DatabaseSecretStore } from '../../activities/secrets/databaseSecretStore';
import type { KeyRing } from '../../activities/secrets/secretCipher';
import type { NotificationDeps } from '../../activities/notifications/manageSubscriptions';
import type { Logger } from '../../workers/logger';
import { loggerInterceptors } from '../../workers/loggerInterceptor';
import { upsertConnector } from '../../activities/store/connectors';
import { createDatabase, type Database } from '../../activities/store/database';
import { currentPrebuiltWorkflowBundle } from '../../client/dev/compiledWorker';
import { createSyncWorker } from '../../workers/createSyncWorker';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../../workers/workflowBundle';
import { EntraSyncWorkflow } from '../../workflows';
import { createTestDatabase } from './testDatabase';

export type GraphEndpoint = { tenantId: string; clientId: string; clientSecret: string; graphBaseUrl: string; authorityHost: string };

/** The SDK's own log lines of this test process (warnings and errors: "Activity failed" with its message), for tests that read logs. */
export const sdkLogLines: string[] = [];

// Worker lifecycle lines would bury the test report; warnings and errors still show.
Runtime.install({
  logger: new DefaultLogger('WARN', (entry) => {
    sdkLogLines.push(JSON.stringify({ level: entry.level, message: entry.message, meta: entry.meta }, (_key, value: unknown) => (value instanceof Error ? { message: value.message, stack: value.stack } : value)));
    console.warn(`${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} [${entry.level}] ${entry.message}`, entry.meta ?? '');
  }),
});

let bundle: Promise<WorkflowBundleOption> | undefined;
/**
 * The bundle the build made (what production workers run) when the build is current; otherwise
 * bundled from source once per test file, which costs webpack 2 to 3 s of CPU.
 */
export const workflowBundle = () =>
  (bundle ??= currentPrebuiltWorkflowBundle().then<WorkflowBundleOption>(
    (codePath) => (codePath ? { codePath } : bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: quietLogger })),
  ));

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;

/**
 * A sync worker against the suite's Temporal server, on a task queue of its own, with a fresh
 * database holding one connector that points at the given Graph endpoint.
 */
export class SyncHarness {
  private runs = 0;
  private running?: Promise<void>;

  private constructor(
    readonly db: Database,
    readonly databaseUrl: string,
    readonly client: Client,
    readonly taskQueue: string,
    readonly connectorId: string,
    readonly secrets: StaticSecretStore,
    readonly connections: { native: NativeConnection; client: Connection },
    private readonly worker: Worker,
  ) {}

  static async start(
    graph: GraphEndpoint,
    /** `keys`: the worker also reads secrets sealed in the database by the CLI, as production workers do. */
    options: {
      secret?: string;
      discovery?: { taskQueue: string; startTimeoutMs: number };
      auditOverlapMs?: number;
      auditPagesPerRun?: number;
      keys?: KeyRing;
      log?: Logger;
      /** ENTRA_NOTIFICATION_URL as the worker takes it: the tail keeps Graph subscriptions. */
      notifications?: NotificationDeps;
    } = {},
  ): Promise<SyncHarness> {
    const address = inject('temporalAddress');
    const databaseUrl = await createTestDatabase(inject('postgresUrl'));
    const db = createDatabase(databaseUrl);
    const connectorId = `c${randomBytes(3).toString('hex')}`;
    await upsertConnector(db, { id: connectorId, ...graph, discoveryEnabled: options.discovery !== undefined });
    const native = await NativeConnection.connect({ address });
    const connection = await Connection.connect({ address });
    const taskQueue = `test-${connectorId}`;
    const secrets = new StaticSecretStore(new Map([[connectorId, options.secret ?? graph.clientSecret]]));
    const store: SecretStore = options.keys ? new DatabaseSecretStore(db, options.keys, secrets) : secrets;
    const harness = new SyncHarness(
      db,
      databaseUrl,
      new Client({ connection, namespace: 'default' }),
      taskQueue,
      connectorId,
      secrets,
      { native, client: connection },
      await createSyncWorker({
        connection: native,
        namespace: 'default',
        db,
        secrets: store,
        taskQueue,
        // The production activity logging, when a test reads the log lines.
        ...(options.log ? { interceptors: { activity: [loggerInterceptors(options.log)] } } : {}),
        workflowBundle: await workflowBundle(),
        discoveryTaskQueue: options.discovery?.taskQueue,
        discoveryStartTimeoutMs: options.discovery?.startTimeoutMs,
        auditOverlapMs: options.auditOverlapMs,
        auditPagesPerRun: options.auditPagesPerRun,
        ...(options.notifications ? { notifications: options.notifications } : {}),
      }),
    );
    harness.running = harness.worker.run();
    return harness;
  }

  /** Runs one EntraSyncWorkflow to completion; resolves with its summary or rejects with its failure. */
  async sync(): Promise<{ summary: RunSummary; workflowId: string; workflowRunId: string }> {
    const handle = await this.startSync();
    return { summary: await handle.result(), workflowId: handle.workflowId, workflowRunId: handle.firstExecutionRunId };
  }

  async startSync() {
    this.runs += 1;
    return this.client.workflow.start(EntraSyncWorkflow, {
      taskQueue: this.taskQueue,
      workflowId: `entra-sync-${this.connectorId}-${this.runs}`,
      args: [{ connectorId: this.connectorId }],
    });
  }

  /** A sync expected to fail: returns the innermost failure the workflow reports. */
  async failingSync(): Promise<{ type?: string; message: string; workflowId: string; workflowRunId: string }> {
    const handle = await this.startSync();
    try {
      await handle.result();
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      type Failure = Error & { cause?: Failure; type?: string };
      let cause = err.cause as Failure | undefined;
      while (cause?.cause) cause = cause.cause;
      return { type: cause?.type, message: cause?.message ?? err.message, workflowId: handle.workflowId, workflowRunId: handle.firstExecutionRunId };
    }
    throw new Error('expected the sync to fail, but it succeeded');
  }

  async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.query(sql, params)).rows as T[];
  }

  async stop(): Promise<void> {
    this.worker.shutdown();
    await this.running;
    await this.connections.native.close();
    await this.connections.client.close();
    await this.db.end();
  }
}
