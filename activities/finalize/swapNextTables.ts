import type { DeltaStream, StreamMode } from '../../shared/streams';
import type { Queryable } from '../store/database';
import { killPoint } from '../killPoint';
import { builtNextTables, hasPartition, NEXT_TABLES, nextTablesOf, type NextTable } from '../staging/nextTables';

/** Tables whose next copy this finalize attached: their merge from staging is already done. */
export type Swapped = ReadonlySet<NextTable>;

/**
 * How long an attach waits for another connector's first commit that is attaching to the same
 * parent (the only lock it waits for: readers and writers of other connectors do not hold one
 * that conflicts) before finalize fails and is retried.
 */
const ATTACH_LOCK_TIMEOUT = '60s';

const LOCK_NOT_AVAILABLE = '55P03';

/**
 * In the finalize transaction, before any applier: each next table the run built during its pulls
 * (nextTables.ts) becomes the connector's partition, in one fixed table order. Only at the
 * connector's first commit, when it has no partition of the table yet, and only if its stream
 * bootstrapped; otherwise the next table is dropped and finalize merges from staging. History is
 * attached only with the memberships it was built from. Then the connector gets its partition of
 * every other partitioned table, if it lacks one.
 */
export async function swapNextTables(tx: Queryable, connectorId: string, syncRunId: number, streams: { stream: DeltaStream; mode: StreamMode }[]): Promise<Swapped> {
  const swapped = new Set<NextTable>();
  const built = await builtNextTables(tx, syncRunId);
  if (built.size === 0) {
    await ensurePartitions(tx, connectorId);
    return swapped;
  }
  const bootstrapped = new Set(streams.filter((s) => s.mode === 'bootstrap').flatMap((s) => nextTablesOf(s.stream)));
  const { rows: setting } = await tx.query<{ timeout: string }>(`select current_setting('lock_timeout') as timeout`);
  await tx.query(`select set_config('lock_timeout', $1, true)`, [ATTACH_LOCK_TIMEOUT]);
  for (const table of NEXT_TABLES) {
    if (!built.has(table)) continue;
    const usable = bootstrapped.has(table) && (table !== 'relationship_history' || swapped.has('group_members')) && !(await hasPartition(tx, table, connectorId));
    if (!usable) {
      await tx.query('select drop_next_partition($1, $2)', [table, syncRunId]);
      continue;
    }
    try {
      await tx.query('select attach_next_partition($1, $2, $3)', [table, connectorId, syncRunId]);
    } catch (err) {
      if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw err;
      throw new Error(
        `finalize of run ${syncRunId} waited ${ATTACH_LOCK_TIMEOUT} to attach the ${table} its pulls built (another session holds table ${table} in a mode that blocks it: ` +
          'another connector\'s first commit, or a manual ANALYZE, VACUUM or index build); nothing was committed and finalize is retried. If this repeats, look at pg_locks for that table.',
        { cause: err },
      );
    }
    swapped.add(table);
  }
  await tx.query(`select set_config('lock_timeout', $1, true)`, [setting[0]!.timeout]);
  await ensurePartitions(tx, connectorId);
  if (swapped.has('users')) {
    // Tombstones carry when the commit made them known, as the merge writes them.
    await tx.query('update users set deleted_at = now() where connector_id = $1 and deleted_at is not null', [connectorId]);
  }
  if (swapped.size > 0) await tx.query('update sync_runs set built_tables = $2 where id = $1', [syncRunId, [...swapped]]);
  killPoint('finalize:afterSwap');
  return swapped;
}

/** A connector gets its partitions at its first commit (migration 0042); DDL only when one is missing. */
async function ensurePartitions(tx: Queryable, connectorId: string): Promise<void> {
  const { rows } = await tx.query<{ missing: boolean }>(
    `select exists (select 1 from pg_partitioned_table p join pg_class c on c.oid = p.partrelid
                     where c.relnamespace = 'public'::regnamespace
                       and not connector_partition_exists(connector_partition_name(c.relname::text, $1))) as missing`,
    [connectorId],
  );
  if (rows[0]!.missing) await tx.query('select create_connector_partitions($1)', [connectorId]);
}
