import type { Queryable } from '../../activities/store/database';
import { schemaTables, type CommittedTable } from './schemaTables';

/**
 * What a tenant's copy holds, without what legitimately differs between two runs over the same
 * tenant (run ids, commit times, the opaque text of delta links; test/support/schemaTables.ts
 * lists each): equal digests mean equal data.
 */
export type Digest = Record<string, { rows: number; md5: string }>;

/** The four delta streams' tables and what finalize derives from them alone. */
const INVENTORY = ['users', 'groups', 'applications', 'service_principals', 'group_members', 'group_owners', 'credentials'];

async function digestOf(db: Queryable, connectorId: string, tables: CommittedTable[]): Promise<Digest> {
  const out: Digest = {};
  for (const { table, select } of tables) {
    const { rows } = await db.query(
      `select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as md5 from (${select}) t`,
      [connectorId],
    );
    out[table] = rows[0];
  }
  return out;
}

/** The delta streams' tables (workerCrash.test.ts kills workers only during the delta pulls). */
export async function inventoryDigest(db: Queryable, connectorId: string): Promise<Digest> {
  const { committed } = await schemaTables(db);
  const missing = INVENTORY.filter((table) => !committed.some((c) => c.table === table));
  if (missing.length > 0) throw new Error(`inventory digest: the schema has no committed table ${missing.join(', ')}`);
  return digestOf(db, connectorId, committed.filter((c) => INVENTORY.includes(c.table)));
}

/** Every table a run commits, as the schema says (test/support/schemaTables.ts). */
export async function tenantDigest(db: Queryable, connectorId: string): Promise<Digest> {
  return digestOf(db, connectorId, (await schemaTables(db)).committed);
}
