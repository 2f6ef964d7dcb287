import { DELTA_STREAMS } from '../../shared/streams';
import type { Database } from '../store/database';

/** The live tables a bootstrap rewrites, and history, which it fills on a connector's first run. */
const REWRITTEN = [
  'users',
  'groups',
  'applications',
  'service_principals',
  'group_members',
  'group_owners',
  'owners',
  'app_role_assignments',
  'credentials',
  'relationship_history',
];

/**
 * After a run that bootstrapped a delta stream committed, refreshes the statistics of the tables
 * it rewrote. The next, incremental run plans its index lookups (history's touched diff above all)
 * on them; planned on the "empty" statistics a first bootstrap leaves until autovacuum comes by,
 * the touched diff drove every lookup from the whole groups table (55 s instead of a few
 * milliseconds at 10,000 users, docs/BENCHMARKS.md). After the commit, not inside it: ANALYZE's
 * lock, held until commit, would serialise every connector's finalize.
 */
export async function analyzeAfterBootstrap(db: Database, runId: number): Promise<void> {
  const { rowCount } = await db.query(`select 1 from sync_run_streams where run_id = $1 and stream = any($2) and mode = 'bootstrap' limit 1`, [
    runId,
    DELTA_STREAMS,
  ]);
  if (rowCount) await db.query(`analyze ${REWRITTEN.join(', ')}`);
}
