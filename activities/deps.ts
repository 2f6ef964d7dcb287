import type { GraphSessions } from './graph/graphSessions';
import type { Database } from './store/database';
import type { FullRunRequester } from './tail/tailActivities';
import type { NotificationDeps } from './notifications/manageSubscriptions';
import type { ExecutionProbe, JanitorPolicy } from './store/janitor';

/** What activities need from the worker process; built once per worker. */
export type ActivityDeps = {
  db: Database;
  graph: GraphSessions;
  /** Bound on waiting for a discovery worker (ENTRA_DISCOVERY_START_TIMEOUT). */
  discoveryStartTimeoutMs?: number;
  /** The discovery worker's task queue (TEMPORAL_DISCOVERY_TASK_QUEUE). */
  discoveryTaskQueue?: string;
  /** Whether a run's workflow execution is still open; the janitor asks (absent: it cannot tell). */
  executions?: ExecutionProbe;
  janitor?: JanitorPolicy;
  /** How far before the audit watermark a run re-reads (ENTRA_AUDIT_OVERLAP). */
  auditOverlapMs?: number;
  /** The longest an app or service principal goes without a full reconcile read (ENTRA_RECONCILE_FULL_EVERY). */
  reconcileFullEveryMs?: number;
  /** Most directoryAudits pages a run reads (ENTRA_AUDIT_PAGES_PER_RUN). */
  auditPagesPerRun?: number;
  /** Backstop interval of a tail whose connector sets none (ENTRA_TAIL_INTERVAL). */
  tailIntervalSeconds?: number;
  /** Starts a full run of a connector when a tail pass needs one (an expired delta token). */
  fullRuns?: FullRunRequester;
  /** ENTRA_NOTIFICATION_URL and the key ring for clientStates; absent: tails keep no Graph subscriptions. */
  notifications?: NotificationDeps;
};
