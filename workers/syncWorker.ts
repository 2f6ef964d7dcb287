import { createSyncWorker } from './createSyncWorker';
import { runMain } from './runMain';
import { runWorkerProcess } from './workerProcess';

/** The sync worker process: workflows and activities on the entra-sync task queue. */
runMain(() =>
  runWorkerProcess('sync worker', ({ config, connection, db, secrets, interceptors, dataConverter, tracing }) =>
    createSyncWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      db,
      secrets,
      interceptors,
      dataConverter,
      discoveryStartTimeoutMs: config.discoveryStartTimeoutMs,
      discoveryTaskQueue: config.temporal.discoveryTaskQueue,
      janitor: config.janitor,
      auditOverlapMs: config.auditOverlapMs,
      reconcileFullEveryMs: config.reconcileFullEveryMs,
      auditPagesPerRun: config.auditPagesPerRun,
      deployment: config.workerDeployment,
      tracing,
    }),
  ),
);
