import { createDiscoveryWorker } from './createDiscoveryWorker';
import { runMain } from './runMain';
import { runWorkerProcess } from './workerProcess';

/**
 * The discovery worker process: activity-only, on the entra-discovery task queue, so operators
 * can scale or stop SaaS discovery apart from the inventory sync.
 */
runMain(() =>
  runWorkerProcess('discovery worker', ({ config, connection, db, secrets, interceptors, dataConverter }) =>
    createDiscoveryWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.discoveryTaskQueue,
      db,
      secrets,
      interceptors,
      dataConverter,
      auditOverlapMs: config.auditOverlapMs,
      deployment: config.workerDeployment,
    }),
  ),
);
