import type { GraphSessions } from './graph/graphSessions';
import type { Database } from './store/database';

/** What activities need from the worker process; built once per worker. */
export type ActivityDeps = {
  db: Database;
  graph: GraphSessions;
  /** Bound on waiting for a discovery worker (ENTRA_DISCOVERY_START_TIMEOUT). */
  discoveryStartTimeoutMs?: number;
  /** The discovery worker's task queue (TEMPORAL_DISCOVERY_TASK_QUEUE). */
  discoveryTaskQueue?: string;
};
