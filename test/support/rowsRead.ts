import type pg from 'pg';

/**
 * Rows the transaction has read from each named table so far, by sequential and by index scans
 * (pg_stat_xact_user_tables). A table partitioned by connector (docs/bootstrap-swap.md) keeps no
 * counts of its own: its partitions' are summed under its name.
 */
export async function rowsRead(tx: pg.PoolClient, tables: string[]): Promise<Record<string, number>> {
  const { rows } = await tx.query<{ table: string; read: string }>(
    `select coalesce(parent.relname, s.relname) as table, sum(coalesce(s.seq_tup_read, 0) + coalesce(s.idx_tup_fetch, 0)) as read
       from pg_stat_xact_user_tables s
       left join pg_inherits i on i.inhrelid = s.relid
       left join pg_class parent on parent.oid = i.inhparent and parent.relnamespace = 'public'::regnamespace
      where (s.schemaname = 'public' or parent.oid is not null) and coalesce(parent.relname, s.relname) = any($1)
      group by 1`,
    [tables],
  );
  return Object.fromEntries(tables.map((table) => [table, Number(rows.find((r) => r.table === table)?.read ?? 0)]));
}
