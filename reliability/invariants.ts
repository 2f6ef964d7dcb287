import type { Queryable } from '../activities/store/database';
import type { Digest } from '../test/support/tableDigest';

/** Tables whose digests differ, with both row counts. */
export function digestDifferences(actual: Digest, expected: Digest): string[] {
  return Object.keys(expected)
    .filter((table) => actual[table]?.md5 !== expected[table]!.md5)
    .map((table) => `${table} (${actual[table]?.rows ?? 0} rows, clean run ${expected[table]!.rows})`);
}

/** What must hold however a run ended: nothing left in staging, no run still marked running. */
export async function leftovers(db: Queryable): Promise<string[]> {
  const problems: string[] = [];
  const staging = ['staged_objects', 'staged_memberships', 'staged_group_owners', 'staged_owners', 'staged_app_role_assignments', 'staged_directory_roles', 'staged_audit_events', 'staged_discovery', 'reconcile_targets'];
  for (const table of staging) {
    const { rows } = await db.query(`select count(*)::int as n from ${table}`);
    if (rows[0].n > 0) problems.push(`${rows[0].n} rows left in ${table}`);
  }
  const running = await db.query(`select count(*)::int as n from sync_runs where status = 'running'`);
  if (running.rows[0].n > 0) problems.push(`${running.rows[0].n} run(s) still marked running`);
  return problems;
}
