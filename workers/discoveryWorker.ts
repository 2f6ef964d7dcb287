import { Worker } from '@temporalio/worker';
import { createDiscoveryActivities } from '../activities/discovery';
import { GraphSessions } from '../activities/graph/graphSessions';
import { runMain } from './runMain';
import { runWorkerProcess } from './workerProcess';

/**
 * The discovery worker process: activity-only, on the entra-discovery task queue, so operators
 * can scale or stop SaaS discovery apart from the inventory sync.
 */
runMain(() =>
  runWorkerProcess('discovery worker', ({ config, connection, db, secrets, interceptors, dataConverter }) =>
    Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.discoveryTaskQueue,
      activities: createDiscoveryActivities({ db, graph: new GraphSessions(secrets) }),
      interceptors,
      ...(dataConverter ? { dataConverter } : {}),
    }),
  ),
);
