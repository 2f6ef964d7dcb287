import type { Queryable } from '../activities/store/database';
import { schemaTables } from '../test/support/schemaTables';
import type { Digest } from '../test/support/tableDigest';

/** Tables whose digests differ (or that only one side has), with both row counts. */
export function digestDifferences(actual: Digest, expected: Digest): string[] {
  const tables = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
  return tables
    .filter((table) => actual[table]?.md5 !== expected[table]?.md5)
    .map((table) => `${table} (${actual[table]?.rows ?? 'no table'} rows, clean run ${expected[table]?.rows ?? 'no table'})`);
}

/**
 * What must hold however a run ended: nothing left in any staging table, no run still marked
 * running, and as many commits counted on each connector as runs that succeeded.
 */
export async function leftovers(db: Queryable, connectorResets = 0): Promise<string[]> {
  const problems: string[] = [];
  const { staging } = await schemaTables(db);
  if (staging.length === 0) problems.push('the schema has no staging table (the staging guard trigger is on none)');
  for (const table of staging) {
    const { rows } = await db.query(`select count(*)::int as n from ${table}`);
    if (rows[0].n > 0) problems.push(`${rows[0].n} rows left in ${table}`);
  }
  const running = await db.query(`select count(*)::int as n from sync_runs where status = 'running'`);
  if (running.rows[0].n > 0) problems.push(`${running.rows[0].n} run(s) still marked running`);
  // Each committing finalize bumps the generation in the transaction that marks its run succeeded
  // (activities/finalize/finalize.ts); so does `connector update --reset-data`
  // (activities/store/connectorReset.ts), which a scenario that uses it counts.
  const generations = await db.query<{ id: string; generation: number; succeeded: number }>(
    `select c.id, c.commit_generation::int as generation,
            (select count(*)::int from sync_runs r where r.connector_id = c.id and r.status = 'succeeded') as succeeded
       from connectors c order by c.id`,
  );
  for (const c of generations.rows) {
    if (c.generation !== c.succeeded + connectorResets) {
      problems.push(`connector ${c.id}: commit generation ${c.generation}, ${c.succeeded} succeeded run(s)${connectorResets ? ` and ${connectorResets} reset(s)` : ''}`);
    }
  }
  return problems;
}
