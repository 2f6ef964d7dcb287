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
export async function analyzeAfterBootstrap(db: Database, syncRunId: number, swapped: ReadonlySet<string> = new Set()): Promise<void> {
  if (!(await bootstrapsDeltaStream(db, syncRunId))) return;
  // One ANALYZE works on one table at a time: a few side by side take what the server has, while
  // leaving most of the pool to other connectors' activities.
  // A table swapped in was analysed by its pull after the last page (nextTables.ts), except for
  // history's kinds: finalize adds every kind but group_member after the attach, and statistics
  // that know only group_member had the next run read the staged owner pairs once for each of
  // 108,894 group_owner intervals (8.3 s at 1,000,000 users). That one column is analysed again.
  const tables = REWRITTEN.filter((t) => t === 'relationship_history' || !swapped.has(t));
  const columns = (table: string) => (table === 'relationship_history' && swapped.has(table) ? ' (kind)' : '');
  const relations = await analyzedRelations(db, syncRunId, tables);
  const waiting = relations.map((relation, i) => `${relation}${columns(tables[i]!)}`);
  const analyzeNext = async (): Promise<void> => {
    for (let relation = waiting.shift(); relation; relation = waiting.shift()) await db.query(`analyze ${relation}`);
  };
  await Promise.all(Array.from({ length: ANALYZE_SIDE_BY_SIDE }, analyzeNext));
}

/**
 * What to analyse for each rewritten table: the run's connector's partition where the table is
 * partitioned by connector (migration 0039), since ANALYZE of a partitioned parent analyses every
 * connector's partition; the table itself otherwise.
 */
async function analyzedRelations(db: Queryable, syncRunId: number, tables: string[]): Promise<string[]> {
  const { rows } = await db.query<{ relation: string }>(
    `select coalesce(to_regclass('connector_partitions.' || quote_ident(connector_partition_name(t.name, r.connector_id)))::text, t.name) as relation
       from unnest($2::text[]) with ordinality as t (name, position)
       join sync_runs r on r.id = $1
      order by t.position`,
    [syncRunId, tables],
  );
  return rows.map((r) => r.relation);
}

/** Whether the run read a delta stream whole (a first run, an expired cursor, a data reset). */
export async function bootstrapsDeltaStream(db: Queryable, syncRunId: number): Promise<boolean> {
  const { rowCount } = await db.query(`select 1 from sync_run_streams where run_id = $1 and stream = any($2) and mode = 'bootstrap' limit 1`, [
    syncRunId,
    DELTA_STREAMS,
  ]);
  return Boolean(rowCount);
}
