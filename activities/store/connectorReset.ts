import type { Queryable } from './database';
import { discardOtherStaging } from './runs';

/**
 * Relationship history survives a reset of the same tenant (the next bootstrap records only what
 * truly changed) but not a change of tenant: its rows carry the tenant they were observed in.
 */
const HISTORY_TABLES = ['relationship_history', 'history_baselines'];

/** No run id is 0: discard every ended run's staging. */
const NO_RUN = 0;

/**
 * A connector's synced data: every table with a `connector_id` except the connector's own
 * configuration (the row, its sealed secret) and its run records, which stay as history. Read
 * from the catalogue so a table added by a later migration is reset too.
 */
const KEPT = ['connectors', 'connector_secrets', 'sync_runs', ...HISTORY_TABLES];

async function syncedTables(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ table_name: string }>(
    `select c.table_name from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = current_schema() and c.column_name = 'connector_id' and t.table_type = 'BASE TABLE'
        and c.table_name <> all ($1::text[])
      order by c.table_name`,
    [KEPT],
  );
  return rows.map((r) => r.table_name);
}

/** The tables partitioned by connector (migrations 0039-0041). */
async function partitionedTables(db: Queryable): Promise<Set<string>> {
  const { rows } = await db.query<{ name: string }>(
    `select c.relname::text as name from pg_partitioned_table p join pg_class c on c.oid = p.partrelid where c.relnamespace = current_schema()::regnamespace`,
  );
  return new Set(rows.map((r) => r.name));
}

/** True when anything was synced for the connector: a cursor, a watermark, a row or history. */
export async function hasSyncedData(db: Queryable, connectorId: string): Promise<boolean> {
  // History kept by a reset still belongs to the old tenant: a tenant change must reset it too.
  for (const table of [...(await syncedTables(db)), ...HISTORY_TABLES]) {
    const { rowCount } = await db.query(`select 1 from ${quoteIdent(table)} where connector_id = $1 limit 1`, [connectorId]);
    if (rowCount) return true;
  }
  return false;
}

/** The run of the connector still in flight, if any: resetting under it would let it commit old data. */
export async function runInFlight(db: Queryable, connectorId: string): Promise<{ id: number; workflowId: string } | undefined> {
  const { rows } = await db.query<{ id: string; workflowId: string }>(
    `select id, workflow_id as "workflowId" from sync_runs where connector_id = $1 and status = 'running' order by id desc limit 1`,
    [connectorId],
  );
  return rows[0] ? { id: Number(rows[0].id), workflowId: rows[0].workflowId } : undefined;
}

/**
 * Deletes every cursor, watermark and synced row of the connector; the next run bootstraps every
 * stream. Call it inside the transaction that changes what the connector points at.
 */
export async function resetConnectorData(db: Queryable, connectorId: string): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  const partitioned = await partitionedTables(db);
  // The partitions first, in name order, so their exclusive locks come before any other work.
  const tables = await syncedTables(db);
  for (const table of [...tables.filter((t) => partitioned.has(t)), ...tables.filter((t) => !partitioned.has(t))]) {
    if (partitioned.has(table)) {
      // The connector's own partition, truncated: its space is free at the commit, not after a vacuum.
      const { rows } = await db.query<{ n: string }>('select truncate_connector_partition($1, $2) as n', [table, connectorId]);
      deleted[table] = Number(rows[0]!.n);
      continue;
    }
    const { rowCount } = await db.query(`delete from ${quoteIdent(table)} where connector_id = $1`, [connectorId]);
    deleted[table] = rowCount ?? 0;
  }
  // The connector row already names the tenant it points at now (same transaction).
  for (const table of HISTORY_TABLES) {
    const { rowCount } = await db.query(
      `delete from ${quoteIdent(table)} h using connectors c
        where h.connector_id = $1 and c.id = h.connector_id and lower(h.tenant_id) <> lower(c.tenant_id)`,
      [connectorId],
    );
    deleted[table] = rowCount ?? 0;
  }
  // Runs that read the old state can never commit now, not even reopened by a reset.
  await db.query('update connectors set commit_generation = commit_generation + 1 where id = $1', [connectorId]);
  await discardOtherStaging(db, connectorId, NO_RUN);
  return deleted;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
