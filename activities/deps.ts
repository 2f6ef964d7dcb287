import type { GraphSessions } from './graph/graphSessions';
import type { Database } from './store/database';

/** What activities need from the worker process; built once per worker. */
export type ActivityDeps = {
  db: Database;
  graph: GraphSessions;
};
