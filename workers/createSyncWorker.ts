import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerInterceptors, type WorkflowBundleOption } from '@temporalio/worker';
import { createSyncActivities } from '../activities';
import { GraphSessions } from '../activities/graph/graphSessions';
import type { SecretStore } from '../activities/secrets/secretStore';
import type { NotificationDeps } from '../activities/notifications/manageSubscriptions';
import type { Database } from '../activities/store/database';
import { SYNC_TASK_QUEUE } from '../workflows/taskQueues';
import { withFailureMapping } from './failureInterceptor';
import { executionProbe } from './executionProbe';
import { fullRunRequester } from './fullRunRequester';
import { DEFAULT_JANITOR_POLICY, type JanitorPolicy } from '../activities/store/janitor';
import { WORKFLOW_INTERCEPTOR_MODULES, workflowCode } from './workflowBundle';
import { workflowTraceSinks } from './traceInterceptors';
import type { Tracing } from '../shared/tracing/startTracing';
import { workerVersioning } from './workerVersioning';
import type { WorkerDeployment } from '../shared/workerDeployment';

export type SyncWorkerOptions = {
  connection: NativeConnection;
  namespace: string;
  db: Database;
  secrets: SecretStore;
  taskQueue?: string;
  /** Tests pass a prebuilt bundle: bundling takes about a second per worker. */
  workflowBundle?: WorkflowBundleOption;
  /** Logging and metrics of activities (workers/loggerInterceptor.ts, workers/metricsInterceptor.ts). */
  interceptors?: WorkerInterceptors;
  /** Payload encryption (workers/codec.ts), when configured. */
  dataConverter?: DataConverter;
  /** How long a run waits for a discovery worker (ENTRA_DISCOVERY_START_TIMEOUT). */
  discoveryStartTimeoutMs?: number;
  discoveryTaskQueue?: string;
  /** What the janitor keeps and ends (ENTRA_FAILED_RUN_RETENTION, ENTRA_RUN_ABANDON_AFTER). */
  janitor?: JanitorPolicy;
  /** How far before the audit watermark a run re-reads (ENTRA_AUDIT_OVERLAP). */
  auditOverlapMs?: number;
  /** The longest a target of reconciliation goes without a full read (ENTRA_RECONCILE_FULL_EVERY). */
  reconcileFullEveryMs?: number;
  /** Most directoryAudits pages a run reads (ENTRA_AUDIT_PAGES_PER_RUN). */
  auditPagesPerRun?: number;
  /** Backstop interval of a tail whose connector sets none (ENTRA_TAIL_INTERVAL), in seconds. */
  tailIntervalSeconds?: number;
  /** The version this worker serves (ENTRA_WORKER_DEPLOYMENT, ENTRA_WORKER_BUILD_ID); absent = unversioned. */
  deployment?: WorkerDeployment;
  /** ENTRA_NOTIFICATION_URL (as its two endpoints) and the key ring that seals clientStates; absent = no subscriptions. */
  notifications?: NotificationDeps;
  /** Where the workflow's spans go (shared/tracing/startTracing.ts); absent = dropped. */
  tracing?: Tracing;
};

export async function createSyncWorker(options: SyncWorkerOptions): Promise<Worker> {
  const code = options.workflowBundle ? { workflowBundle: options.workflowBundle } : workflowCode();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? SYNC_TASK_QUEUE,
    ...code,
    activities: createSyncActivities({
      db: options.db,
      graph: new GraphSessions(options.secrets),
      discoveryStartTimeoutMs: options.discoveryStartTimeoutMs,
      discoveryTaskQueue: options.discoveryTaskQueue,
      executions: executionProbe(options.connection, options.namespace),
      janitor: options.janitor ?? DEFAULT_JANITOR_POLICY,
      auditOverlapMs: options.auditOverlapMs,
      reconcileFullEveryMs: options.reconcileFullEveryMs,
      auditPagesPerRun: options.auditPagesPerRun,
      tailIntervalSeconds: options.tailIntervalSeconds,
      fullRuns: fullRunRequester(options.connection, options.namespace, options.dataConverter),
      ...(options.notifications ? { notifications: options.notifications } : {}),
    }),
    // A prebuilt bundle has the workflow interceptors in it; sources are bundled with them here.
    interceptors: withFailureMapping({ ...options.interceptors, ...('workflowsPath' in code ? { workflowModules: WORKFLOW_INTERCEPTOR_MODULES } : {}) }),
    sinks: workflowTraceSinks(options.tracing),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...workerVersioning(options.deployment),
  });
}
