import type { DataConverter } from '@temporalio/common';
import { NativeConnection, type Worker, type WorkerInterceptors } from '@temporalio/worker';
import { DatabaseSecretStore } from '../activities/secrets/databaseSecretStore';
import { loadKeyRing, type KeyRing } from '../activities/secrets/secretCipher';
import { EnvironmentSecretStore } from '../activities/secrets/environmentSecretStore';
import { createDatabase, type Database } from '../activities/store/database';
import { ENV_CONNECTOR_ID } from '../shared/envConnector';
import { dataConverterFromEnv } from './codec';
import { loadConfig, type Config } from '../shared/config';
import { describeTemporalSecurity } from '../shared/temporalSecurity';
import { describeWorkerDeployment } from '../shared/workerDeployment';
import { connectWorkerToTemporal } from './temporalConnection';
import { workerHealth } from './healthCheck';
import { createLogger, type Logger } from './logger';
import { loggerInterceptors } from './loggerInterceptor';
import { loadMetricsConfig } from './metrics';
import { metricsInterceptors } from './metricsInterceptor';
import { installWorkerTelemetry } from './metricsRuntime';
import { registerCommitFreshness } from './commitFreshness';
import { registerTailFreshness } from './tailFreshness';
import { limitHeapGrowth } from './heapGrowth';
import { startTracing, type Tracing } from '../shared/tracing/startTracing';
import { traceActivityInterceptors } from './traceInterceptors';

export type WorkerProcessContext = {
  config: Config;
  log: Logger;
  connection: NativeConnection;
  db: Database;
  secrets: DatabaseSecretStore;
  /** ENTRA_SYNC_ENCRYPTION_KEY (and _PREVIOUS); absent when unset. */
  keys?: KeyRing;
  interceptors: WorkerInterceptors;
  dataConverter?: DataConverter;
  /** Absent when no OTEL_* variable asks for traces. */
  tracing?: Tracing;
};

/**
 * What every worker process shares: configuration, logs, metrics, the Temporal connection, the
 * database, the secret store and the payload codec. `create` builds the worker; this runs it until
 * the SDK's runtime stops it on SIGINT/SIGTERM (in-flight activities finish or are retried).
 */
export async function runWorkerProcess(name: string, create: (context: WorkerProcessContext) => Promise<Worker>): Promise<void> {
  const config = loadConfig();
  limitHeapGrowth(config.workerHeapGrowthPercent);
  const keys = loadKeyRing();
  const dataConverter = dataConverterFromEnv();
  const log = createLogger(config.logLevel);
  if (!config.databaseUrl) throw new Error(`DATABASE_URL is not set: the ${name} needs the PostgreSQL database that holds the inventory`);
  const telemetry = await installWorkerTelemetry(log, loadMetricsConfig());
  const tracing = startTracing(`entra-sync-${name.replace(/^sync /, '').replace(/ /g, '-')}`, log);
  const address = config.temporal.address ?? 'localhost:7233';
  const connection = await connectWorkerToTemporal({ address, namespace: config.temporal.namespace, security: config.temporal.security });
  const db = createDatabase(config.databaseUrl, config.database);
  registerCommitFreshness(telemetry.metrics.registry, db, config.syncIntervalMs / 1000);
  registerTailFreshness(telemetry.metrics.registry, db, config.tailIntervalMs / 1000);
  // Secrets stored (encrypted) by the CLI first; the environment's secret or certificate for the `default` connector after.
  const secrets = new DatabaseSecretStore(db, keys, new EnvironmentSecretStore(ENV_CONNECTOR_ID, config.entra?.credential));
  // Tracing outermost: the logger's lines of an activity carry its span's trace_id.
  const interceptors = { activity: [...(tracing ? [traceActivityInterceptors()] : []), loggerInterceptors(log), metricsInterceptors(telemetry.metrics, db)] };
  const worker = await create({ config, log, connection, db, secrets, ...(keys ? { keys } : {}), interceptors, ...(dataConverter ? { dataConverter } : {}), ...(tracing ? { tracing } : {}) });
  const metricsServer = await telemetry.serve(() => workerHealth(worker, db));
  log.info({ address, temporalSecurity: describeTemporalSecurity(config.temporal.security), namespace: config.temporal.namespace, taskQueue: worker.options.taskQueue, workerVersion: describeWorkerDeployment(config.workerDeployment), payloadEncryption: Boolean(dataConverter), traces: Boolean(tracing), heapGrowthPercent: config.workerHeapGrowthPercent }, `${name} ready`);
  if (config.workerDeployment) {
    // A versioned worker of a build that is not current yet sits idle: say what routes runs to it.
    log.info(`${name} serves build ${config.workerDeployment.buildId} of deployment ${config.workerDeployment.deploymentName}: new runs reach it once that build is current (entra-sync workers set-current --build-id ${config.workerDeployment.buildId})`);
  }
  try {
    await worker.run();
  } finally {
    metricsServer?.close();
    await connection.close();
    await db.end();
    // The spans of the last activities and workflows, before the process exits.
    await tracing?.shutdown().catch((err: unknown) => log.warn({ error: (err as Error).message }, 'tracing: the last spans could not be exported'));
    log.info(`${name} stopped`);
  }
}
