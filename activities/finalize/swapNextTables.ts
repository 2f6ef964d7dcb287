import type { DeltaStream, StreamMode } from '../../shared/streams';
import type { Queryable } from '../store/database';
import { killPoint } from '../killPoint';
import { builtNextTables, NEXT_TABLES, nextTablesOf, type NextTable } from '../staging/nextTables';

/** Tables whose next copy this finalize attached: their merge from staging is already done. */
export type Swapped = ReadonlySet<NextTable>;

/**
 * How long an attach waits for the lock it takes on the parent (SHARE UPDATE EXCLUSIVE, held to
 * the commit). Only another connector's first commit holds a conflicting one (readers and writers
 * do not), and that one can take minutes at 1,000,000 users, so the wait is long; it fails the
 * attempt rather than wait forever.
 */
const ATTACH_LOCK_TIMEOUT = '10min';

const LOCK_NOT_AVAILABLE = '55P03';

/**
 * In the finalize transaction, before any applier: each next table the run built during its pulls
 * (nextTables.ts) becomes the connector's partition, in one fixed table order. Only at the
 * connector's first commit, when it has no partition of the table yet, and only if its stream
 * bootstrapped (`attachable`); otherwise the next table is dropped and finalize merges from
 * staging. A partition still missing is attached empty, so a first commit never takes a parent
 * exclusively. `stillCurrent` throws when another run of the connector committed since this one
 * opened: checked once this run holds the connector's first commit, so of two first runs one
 * attaches and the other fails cleanly.
 */
export async function swapNextTables(
  tx: Queryable,
  connectorId: string,
  syncRunId: number,
  streams: { stream: DeltaStream; mode: StreamMode }[],
  stillCurrent: () => Promise<void>,
): Promise<Swapped> {
  const swapped = new Set<NextTable>();
  const built = await builtNextTables(tx, syncRunId);
  const missing = new Set(await missingPartitions(tx, connectorId));
  if (built.size === 0 && missing.size === 0) return swapped;
  // Not the connector row: a first commit must not keep the row from the rest of the connector's work.
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`entra-sync first commit of ${connectorId}`]);
  await stillCurrent();
  const bootstrapped = new Set(streams.filter((s) => s.mode === 'bootstrap').flatMap((s) => nextTablesOf(s.stream)));
  const { rows: setting } = await tx.query<{ timeout: string }>(`select current_setting('lock_timeout') as timeout`);
  await tx.query(`select set_config('lock_timeout', $1, true)`, [ATTACH_LOCK_TIMEOUT]);
  for (const table of [...NEXT_TABLES, ...[...missing].filter((t) => !(NEXT_TABLES as readonly string[]).includes(t)).sort()]) {
    const next = table as NextTable;
    if (built.has(next)) {
      const usable = missing.has(table) && attachable(next, bootstrapped, swapped);
      if (usable) {
        await attach(tx, table, connectorId, syncRunId);
        swapped.add(next);
        continue;
      }
      await tx.query('select drop_next_partition($1, $2)', [table, syncRunId]);
    }
    if (missing.has(table)) {
      // Empty, attached as a built one is: the merge below fills it.
      await tx.query('select create_next_partition($1, $2, $3)', [table, connectorId, syncRunId]);
      await attach(tx, table, connectorId, syncRunId);
    }
  }
  await tx.query(`select set_config('lock_timeout', $1, true)`, [setting[0]!.timeout]);
  if (swapped.has('users')) {
    // Tombstones carry when the commit made them known, as the merge writes them.
    await tx.query('update users set deleted_at = now() where connector_id = $1 and deleted_at is not null', [connectorId]);
  }
  if (swapped.size > 0) await tx.query('update sync_runs set built_tables = $2 where id = $1', [syncRunId, [...swapped]]);
  killPoint('finalize:afterSwap');
  return swapped;
}

/**
 * Whether a built table may be attached, given what its stream read and what is attached before it:
 * history only with the memberships it was built from; entitlements only with the users and
 * memberships (finalize corrects them for the users that are not live, recomputeEntitlements.ts).
 */
function attachable(table: NextTable, bootstrapped: ReadonlySet<NextTable>, swapped: ReadonlySet<NextTable>): boolean {
  if (table === 'effective_entitlements') return swapped.has('users') && swapped.has('group_members');
  return bootstrapped.has(table) && (table !== 'relationship_history' || swapped.has('group_members'));
}

async function attach(tx: Queryable, table: string, connectorId: string, syncRunId: number): Promise<void> {
  try {
    await tx.query('select attach_next_partition($1, $2, $3)', [table, connectorId, syncRunId]);
  } catch (err) {
    if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw err;
    throw new Error(
      `finalize of run ${syncRunId} waited ${ATTACH_LOCK_TIMEOUT} to attach connector ${connectorId}'s partition of ${table} (another session holds table ${table} in a mode that blocks it: ` +
        "another connector's first commit, or a manual ANALYZE, VACUUM or index build); nothing was committed and finalize is retried. If this repeats, look at pg_locks for that table.",
      { cause: err },
    );
  }
}

/** The partitioned tables the connector has no partition of (all of them until its first commit). */
async function missingPartitions(tx: Queryable, connectorId: string): Promise<string[]> {
  const { rows } = await tx.query<{ table: string }>(
    `select c.relname::text as table from pg_partitioned_table p join pg_class c on c.oid = p.partrelid
      where c.relnamespace = 'public'::regnamespace and not connector_partition_exists(connector_partition_name(c.relname::text, $1))`,
    [connectorId],
  );
  return rows.map((r) => r.table);
}
