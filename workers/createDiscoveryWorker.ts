import { NativeConnection, Worker, type WorkerInterceptors } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createDiscoveryActivities } from '../activities/discovery';
import { GraphSessions } from '../activities/graph/graphSessions';
import type { SecretStore } from '../activities/secrets/secretStore';
import type { Database } from '../activities/store/database';
import { withFailureMapping } from './failureInterceptor';
import { workerVersioning } from './workerVersioning';
import type { WorkerDeployment } from '../shared/workerDeployment';

export type DiscoveryWorkerOptions = {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Database;
  secrets: SecretStore;
  interceptors?: WorkerInterceptors;
  dataConverter?: DataConverter;
  /** How much a sign-in pull re-reads before the newest stored sign-in (ENTRA_AUDIT_OVERLAP). */
  auditOverlapMs?: number;
  /** The version this worker serves, the sync workers' own: a pinned run's discovery activities stay on its build. */
  deployment?: WorkerDeployment;
};

/** The discovery worker: activities only, on the discovery task queue. */
export async function createDiscoveryWorker(options: DiscoveryWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createDiscoveryActivities({ db: options.db, graph: new GraphSessions(options.secrets), auditOverlapMs: options.auditOverlapMs }),
    interceptors: withFailureMapping(options.interceptors),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...workerVersioning(options.deployment),
  });
}
