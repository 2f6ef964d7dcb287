import { NativeConnection } from '@temporalio/worker';
import { DatabaseSecretStore } from '../activities/databaseSecretStore';
import { loadKeyRing } from '../activities/secretCipher';
import { StaticSecretStore } from '../activities/secrets';
import { createDatabase } from '../activities/store/database';
import { ENV_CONNECTOR_ID } from '../client/envConnector';
import { loadConfig } from './config';
import { createSyncWorker } from './createSyncWorker';
import { dataConverterFromEnv } from './codec';
import { workerHealth } from './healthCheck';
import { createLogger } from './logger';
import { loggerInterceptors } from './loggerInterceptor';
import { loadMetricsConfig } from './metrics';
import { metricsInterceptors } from './metricsInterceptor';
import { installWorkerTelemetry } from './metricsRuntime';
import { runMain } from './runMain';

/** The sync worker process: workflows and activities on the entra-sync task queue. */
runMain(async () => {
  const config = loadConfig();
  const keys = loadKeyRing();
  const dataConverter = dataConverterFromEnv();
  const log = createLogger(config.logLevel);
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set: the worker needs the PostgreSQL database that holds the inventory');
  const telemetry = await installWorkerTelemetry(log, loadMetricsConfig());
  const address = config.temporal.address ?? 'localhost:7233';
  const connection = await NativeConnection.connect({ address });
  const db = createDatabase(config.databaseUrl);
  // Secrets stored (encrypted) by the CLI first; the environment's secret for the `default` connector after.
  const secrets = new DatabaseSecretStore(
    db,
    keys,
    new StaticSecretStore(new Map(config.entra ? [[ENV_CONNECTOR_ID, config.entra.clientSecret]] : [])),
  );
  const worker = await createSyncWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    db,
    secrets,
    interceptors: { activity: [loggerInterceptors(log), metricsInterceptors(telemetry.metrics, db)] },
    dataConverter,
    discoveryStartTimeoutMs: config.discoveryStartTimeoutMs,
    discoveryTaskQueue: config.temporal.discoveryTaskQueue,
  });
  const metricsServer = await telemetry.serve(() => workerHealth(worker, db));
  log.info({ address, namespace: config.temporal.namespace, taskQueue: worker.options.taskQueue, payloadEncryption: Boolean(dataConverter) }, 'sync worker ready');
  // The SDK's runtime shuts the worker down on SIGINT/SIGTERM: in-flight activities finish or are retried.
  try {
    await worker.run();
  } finally {
    metricsServer?.close();
    await connection.close();
    await db.end();
    log.info('sync worker stopped');
  }
});
