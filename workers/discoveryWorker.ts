import { NativeConnection, Worker } from '@temporalio/worker';
import { DatabaseSecretStore } from '../activities/databaseSecretStore';
import { createDiscoveryActivities } from '../activities/discovery';
import { GraphSessions } from '../activities/graph/graphSessions';
import { loadKeyRing } from '../activities/secretCipher';
import { StaticSecretStore } from '../activities/secrets';
import { createDatabase } from '../activities/store/database';
import { ENV_CONNECTOR_ID } from '../client/envConnector';
import { dataConverterFromEnv } from './codec';
import { loadConfig } from './config';
import { workerHealth } from './healthCheck';
import { createLogger } from './logger';
import { loggerInterceptors } from './loggerInterceptor';
import { loadMetricsConfig } from './metrics';
import { metricsInterceptors } from './metricsInterceptor';
import { installWorkerTelemetry } from './metricsRuntime';
import { runMain } from './runMain';

/**
 * The discovery worker process: activity-only, on the entra-discovery task queue, so operators
 * can scale or stop SaaS discovery apart from the inventory sync.
 */
runMain(async () => {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set: the discovery worker needs the PostgreSQL database that holds the inventory');
  const telemetry = await installWorkerTelemetry(log, loadMetricsConfig());
  const address = config.temporal.address ?? 'localhost:7233';
  const connection = await NativeConnection.connect({ address });
  const db = createDatabase(config.databaseUrl);
  const secrets = new DatabaseSecretStore(
    db,
    loadKeyRing(),
    new StaticSecretStore(new Map(config.entra ? [[ENV_CONNECTOR_ID, config.entra.clientSecret]] : [])),
  );
  const dataConverter = dataConverterFromEnv();
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.discoveryTaskQueue,
    activities: createDiscoveryActivities({ db, graph: new GraphSessions(secrets) }),
    interceptors: { activity: [loggerInterceptors(log), metricsInterceptors(telemetry.metrics, db)] },
    ...(dataConverter ? { dataConverter } : {}),
  });
  const metricsServer = await telemetry.serve(() => workerHealth(worker, db));
  log.info({ address, namespace: config.temporal.namespace, taskQueue: config.temporal.discoveryTaskQueue }, 'discovery worker ready');
  try {
    await worker.run();
  } finally {
    metricsServer?.close();
    await connection.close();
    await db.end();
    log.info('discovery worker stopped');
  }
});
