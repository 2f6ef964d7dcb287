import type pg from 'pg';
import { resetConnectorData } from '../activities/store/connectorReset';
import { inTransaction } from '../activities/store/database';
import { deleteConnector } from '../client/cli/connectorRecords';

/** Disk use after the runs, autovacuum's work on the busiest tables, and what a removal and a reset free at their commit. */
export interface DatabaseSpace {
  databaseMiB: number;
  /** The tables with the most autovacuum work (partitions per connector summed under their parent). */
  vacuum: Array<{ table: string; mib: number; liveRows: number; deadRows: number; autovacuums: number; autoanalyzes: number }>;
  removed: SpaceFreed;
  /** None with a single connector (it was removed). */
  reset?: SpaceFreed;
}

/** One connector's partitions before and after, and the database's size change, in bytes. */
export interface SpaceFreed {
  connectorId: string;
  partitionBytesBefore: number;
  partitionBytesAfter: number;
  databaseBytesFreed: number;
}

/**
 * Measured after the schedules are paused and the runs drained: removes `removeId` as
 * `connector remove` does in PostgreSQL (the row's delete drops its partitions) and resets
 * `resetId` as `connector update --reset-data` does, each in its own transaction.
 */
export async function measureDatabaseSpace(db: pg.Pool, removeId: string, resetId: string | undefined): Promise<DatabaseSpace> {
  const databaseMiB = Math.round((await databaseBytes(db)) / 2 ** 20);
  const vacuum = await vacuumFigures(db);
  const removed = await freed(db, removeId, (tx) => deleteConnector(tx, removeId));
  if (resetId === undefined) return { databaseMiB, vacuum, removed };
  return { databaseMiB, vacuum, removed, reset: await freed(db, resetId, (tx) => resetConnectorData(tx, resetId)) };
}

async function freed(db: pg.Pool, connectorId: string, change: (tx: pg.PoolClient) => Promise<unknown>): Promise<SpaceFreed> {
  const partitionBytesBefore = await partitionBytes(db, connectorId);
  const before = await databaseBytes(db);
  await inTransaction(db, change);
  return { connectorId, partitionBytesBefore, partitionBytesAfter: await partitionBytes(db, connectorId), databaseBytesFreed: before - (await databaseBytes(db)) };
}

async function databaseBytes(db: pg.Pool): Promise<number> {
  const { rows } = await db.query<{ n: string }>('select pg_database_size(current_database()) as n');
  return Number(rows[0]!.n);
}

/** The connector's partitions of every table partitioned by connector, indexes and TOAST included (0 once dropped). */
async function partitionBytes(db: pg.Pool, connectorId: string): Promise<number> {
  const { rows } = await db.query<{ n: string | null }>(
    `select sum(pg_total_relation_size(c.oid)) as n
       from pg_partitioned_table p join pg_class parent on parent.oid = p.partrelid
       join pg_class c on c.relnamespace = 'connector_partitions'::regnamespace and c.relname = connector_partition_name(parent.relname::text, $1)
      where parent.relnamespace = 'public'::regnamespace`,
    [connectorId],
  );
  return Number(rows[0]!.n ?? 0);
}

async function vacuumFigures(db: pg.Pool): Promise<DatabaseSpace['vacuum']> {
  // A partition's figures count under its parent (pg_inherits), so 50 connectors' users are one line.
  const { rows } = await db.query<DatabaseSpace['vacuum'][number]>(
    `select coalesce(parent.relname, s.relname)::text as table,
            round(sum(pg_total_relation_size(s.relid)) / 1048576.0, 1)::float8 as mib,
            sum(s.n_live_tup)::int as "liveRows", sum(s.n_dead_tup)::int as "deadRows",
            sum(s.autovacuum_count)::int as autovacuums, sum(s.autoanalyze_count)::int as autoanalyzes
       from pg_stat_user_tables s
       left join pg_inherits i on i.inhrelid = s.relid
       left join pg_class parent on parent.oid = i.inhparent
      group by 1 order by autovacuums desc, mib desc limit 12`,
  );
  return rows;
}
