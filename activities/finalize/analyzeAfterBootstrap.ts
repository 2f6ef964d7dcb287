import { DELTA_STREAMS } from '../../shared/streams';
import type { Database, Queryable } from '../store/database';

/** The live tables a bootstrap rewrites, history, which it fills on a connector's first run, and the entitlements derived from them. */
const REWRITTEN = [
  // The largest first, so the tables analysed side by side end together.
  'relationship_history',
  'group_members',
  'users',
  'effective_entitlements',
  'groups',
  'group_owners',
  'owners',
  'app_role_assignments',
  'service_principals',
  'applications',
  'credentials',
];

const ANALYZE_SIDE_BY_SIDE = 3;

/**
 * After a run that bootstrapped a delta stream committed, refreshes the statistics of the tables
 * it rewrote. The next, incremental run plans its index lookups (history's touched diff above all)
 * on them; planned on the "empty" statistics a first bootstrap leaves until autovacuum comes by,
 * the touched diff drove every lookup from the whole groups table (55 s instead of a few
 * milliseconds at 10,000 users, docs/BENCHMARKS.md). After the commit, not inside it: ANALYZE's
 * lock, held until commit, would serialise every connector's finalize.
 */
export async function analyzeAfterBootstrap(db: Database, syncRunId: number): Promise<void> {
  if (!(await bootstrapsDeltaStream(db, syncRunId))) return;
  // One ANALYZE works on one table at a time: a few side by side take what the server has, while
  // leaving most of the pool to other connectors' activities.
  const waiting = [...REWRITTEN];
  const analyzeNext = async (): Promise<void> => {
    for (let table = waiting.shift(); table; table = waiting.shift()) await db.query(`analyze ${table}`);
  };
  await Promise.all(Array.from({ length: ANALYZE_SIDE_BY_SIDE }, analyzeNext));
}

/** Whether the run read a delta stream whole (a first run, an expired cursor, a data reset). */
export async function bootstrapsDeltaStream(db: Queryable, syncRunId: number): Promise<boolean> {
  const { rowCount } = await db.query(`select 1 from sync_run_streams where run_id = $1 and stream = any($2) and mode = 'bootstrap' limit 1`, [
    syncRunId,
    DELTA_STREAMS,
  ]);
  return Boolean(rowCount);
}
