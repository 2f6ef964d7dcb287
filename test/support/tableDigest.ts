import type { Queryable } from '../../activities/store/database';

/**
 * What the inventory holds, without what legitimately differs between two runs over the same
 * tenant (run ids, commit times): equal digests mean equal tables.
 */
const DIGESTS: Record<string, string> = {
  users: `select id, data, deletion_kind from users where connector_id = $1`,
  groups: `select id, data, deletion_kind from groups where connector_id = $1`,
  applications: `select id, data, deletion_kind from applications where connector_id = $1`,
  service_principals: `select id, data, deletion_kind from service_principals where connector_id = $1`,
  group_members: `select group_id, member_id, member_type from group_members where connector_id = $1`,
  credentials: `select owner_type, owner_id, key_id, kind, display_name, hint, starts_at, ends_at from credentials where connector_id = $1`,
};

export async function inventoryDigest(db: Queryable, connectorId: string): Promise<Record<string, { rows: number; md5: string }>> {
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const [table, select] of Object.entries(DIGESTS)) {
    const { rows } = await db.query(
      `select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as md5 from (${select}) t`,
      [connectorId],
    );
    out[table] = rows[0];
  }
  return out;
}
