import type { DeltaStream, StreamMode } from '../../shared/streams';
import type { Queryable } from '../store/database';
import { killPoint } from '../killPoint';
import { NEXT_TABLES, nextTablesOf, type NextTable } from '../staging/nextTables';

/** Tables whose next copy this finalize attached: their merge from staging is already done. */
export type Swapped = ReadonlySet<NextTable>;

/**
 * How long the swap waits for readers of a parent table (any connector's) before finalize fails
 * and is retried: DETACH holds the parent exclusively until the commit, and every reader that
 * comes after a waiting DETACH queues behind it.
 */
const SWAP_LOCK_TIMEOUT = '5s';

const LOCK_NOT_AVAILABLE = '55P03';

/**
 * In the finalize transaction, before any applier: attaches each next table the run built during
 * its pulls (nextTables.ts) in place of the connector's partition, in one fixed table order so two
 * connectors' finalizes cannot deadlock. A table is swapped only if its stream bootstrapped and
 * the connector's partition is still empty (what the pulls checked at their first page);
 * otherwise it is dropped and finalize merges from staging. History is swapped only with the
 * memberships it was built from.
 */
export async function swapNextTables(tx: Queryable, connectorId: string, syncRunId: number, streams: { stream: DeltaStream; mode: StreamMode }[]): Promise<Swapped> {
  const swapped = new Set<NextTable>();
  const { rows } = await tx.query<{ table: NextTable }>(`select t as table from unnest($1::text[]) t where next_partition_exists(t, $2)`, [NEXT_TABLES, syncRunId]);
  const built = new Set(rows.map((r) => r.table));
  if (built.size === 0) return swapped;
  const bootstrapped = new Set(streams.filter((s) => s.mode === 'bootstrap').flatMap((s) => nextTablesOf(s.stream)));
  const { rows: setting } = await tx.query<{ timeout: string }>(`select current_setting('lock_timeout') as timeout`);
  await tx.query(`select set_config('lock_timeout', $1, true)`, [SWAP_LOCK_TIMEOUT]);
  for (const table of NEXT_TABLES) {
    if (!built.has(table)) continue;
    const usable = bootstrapped.has(table) && (table !== 'relationship_history' || swapped.has('group_members')) && (await partitionEmpty(tx, table, connectorId));
    if (!usable) {
      await tx.query('select drop_next_partition($1, $2)', [table, syncRunId]);
      continue;
    }
    try {
      await tx.query('select swap_in_next_partition($1, $2, $3)', [table, connectorId, syncRunId]);
    } catch (err) {
      if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw err;
      throw new Error(
        `finalize of run ${syncRunId} waited ${SWAP_LOCK_TIMEOUT} for other sessions reading table ${table} to let it swap in the bootstrap it built; ` +
          'nothing was committed and finalize is retried. If this repeats, look for long transactions on that table in pg_stat_activity (a report or dashboard query held open).',
        { cause: err },
      );
    }
    swapped.add(table);
  }
  await tx.query(`select set_config('lock_timeout', $1, true)`, [setting[0]!.timeout]);
  if (swapped.size > 0) await tx.query('update sync_runs set built_tables = $2 where id = $1', [syncRunId, [...swapped]]);
  killPoint('finalize:afterSwap');
  return swapped;
}

/** The connector has no rows in the table (for history: and no baseline of memberships either). */
async function partitionEmpty(tx: Queryable, table: NextTable, connectorId: string): Promise<boolean> {
  const baseline = table === 'relationship_history' ? `and not exists (select 1 from history_baselines where connector_id = $1 and kind = 'group_member')` : '';
  const { rows } = await tx.query<{ empty: boolean }>(`select not exists (select 1 from ${table} where connector_id = $1) ${baseline} as empty`, [connectorId]);
  return rows[0]!.empty;
}
