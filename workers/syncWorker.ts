import { createSyncWorker } from './createSyncWorker';
import { notificationSettings } from './notificationSettings';
import { runMain } from './runMain';
import { runWorkerProcess } from './workerProcess';

/** The sync worker process: workflows and activities on the entra-sync task queue. */
runMain(() =>
  runWorkerProcess('sync worker', ({ config, connection, db, secrets, keys, interceptors, dataConverter, tracing }) =>
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
      tailIntervalSeconds: Math.max(1, Math.round(config.tailIntervalMs / 1000)),
      auditPagesPerRun: config.auditPagesPerRun,
      deployment: config.workerDeployment,
      notifications: notificationSettings(config.notificationUrl, keys),
      tracing,
    }),
  ),
);
