import { NativeConnection } from '@temporalio/worker';
import { DatabaseSecretStore } from '../activities/databaseSecretStore';
import { loadKeyRing } from '../activities/secretCipher';
import { StaticSecretStore } from '../activities/secrets';
import { createDatabase } from '../activities/store/database';
import { ENV_CONNECTOR_ID } from '../client/envConnector';
import { loadConfig } from './config';
import { createSyncWorker } from './createSyncWorker';
import { createLogger } from './logger';
import { runMain } from './runMain';

/** The sync worker process: workflows and activities on the entra-sync task queue. */
runMain(async () => {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set: the worker needs the PostgreSQL database that holds the inventory');
  const address = config.temporal.address ?? 'localhost:7233';
  const connection = await NativeConnection.connect({ address });
  const db = createDatabase(config.databaseUrl);
  // Secrets stored (encrypted) by the CLI first; the environment's secret for the `default` connector after.
  const secrets = new DatabaseSecretStore(
    db,
    loadKeyRing(),
    new StaticSecretStore(new Map(config.entra ? [[ENV_CONNECTOR_ID, config.entra.clientSecret]] : [])),
  );
  const worker = await createSyncWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, db, secrets });
  log.info({ address, namespace: config.temporal.namespace, taskQueue: worker.options.taskQueue }, 'sync worker ready');
  // The SDK's runtime shuts the worker down on SIGINT/SIGTERM: in-flight activities finish or are retried.
  try {
    await worker.run();
  } finally {
    await connection.close();
    await db.end();
    log.info('sync worker stopped');
  }
});
