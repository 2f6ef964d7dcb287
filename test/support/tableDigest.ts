import type { Queryable } from '../../activities/store/database';

/**
 * What a tenant's copy holds, without what legitimately differs between two runs over the same
 * tenant (run ids, commit times, the opaque text of delta links): equal digests mean equal data.
 */
const INVENTORY: Record<string, string> = {
  users: `select id, data, deletion_kind from users where connector_id = $1`,
  groups: `select id, data, deletion_kind from groups where connector_id = $1`,
  applications: `select id, data, deletion_kind from applications where connector_id = $1`,
  service_principals: `select id, data, deletion_kind from service_principals where connector_id = $1`,
  group_members: `select group_id, member_id, member_type from group_members where connector_id = $1`,
  group_owners: `select group_id, owner_id, owner_type from group_owners where connector_id = $1`,
  credentials: `select owner_type, owner_id, key_id, kind, display_name, hint, starts_at, ends_at from credentials where connector_id = $1`,
};

const RELATIONSHIPS_AND_STATE: Record<string, string> = {
  owners: `select object_type, object_id, owner_id, owner_type from owners where connector_id = $1`,
  app_role_assignments: `select id, data from app_role_assignments where connector_id = $1`,
  directory_role_definitions: `select id, data from directory_role_definitions where connector_id = $1`,
  directory_role_assignments: `select id, data from directory_role_assignments where connector_id = $1`,
  credential_audit_events: `select id, activity, data, key_ids from credential_audit_events where connector_id = $1`,
  effective_entitlements: `select principal_id, principal_type, resource_id, app_role_id, assignment_id, granted_via, via_group_id from effective_entitlements where connector_id = $1`,
  discovery_evidence: `select source_id, kind, app_key, user_id, occurred_at, scopes, consent_type from discovery_evidence where connector_id = $1`,
  delta_cursor_streams: `select stream from delta_cursors where connector_id = $1`,
  // The credential-audit watermark is now the time a run read up to (activities/staging/auditSpans.ts), not an event's.
  audit_watermarks: `select stream, case when stream = 'credentialAuditEvents' then null else watermark end from audit_watermarks where connector_id = $1`,
};

export type Digest = Record<string, { rows: number; md5: string }>;

async function digestOf(db: Queryable, connectorId: string, tables: Record<string, string>): Promise<Digest> {
  const out: Digest = {};
  for (const [table, select] of Object.entries(tables)) {
    const { rows } = await db.query(
      `select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as md5 from (${select}) t`,
      [connectorId],
    );
    out[table] = rows[0];
  }
  return out;
}

/** The four delta streams and what finalize derives from them. */
export const inventoryDigest = (db: Queryable, connectorId: string) => digestOf(db, connectorId, INVENTORY);

/** Everything a run commits: inventory, relationships, audit and discovery rows, cursors and watermarks. */
export const tenantDigest = (db: Queryable, connectorId: string) => digestOf(db, connectorId, { ...INVENTORY, ...RELATIONSHIPS_AND_STATE });
