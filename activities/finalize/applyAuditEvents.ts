import { classifyAuditActivity, credentialKeyIds } from '../auditClassification';
import { AUDIT_STREAM } from '../../shared/streams';
import type { Queryable } from '../store/database';
import type { Counts } from './counts';

/** Inserts new credential audit events (an event id is stored once) and moves the watermark. */
export async function applyAuditEvents(tx: Queryable, connectorId: string, runId: number, watermark: Date | null): Promise<Counts> {
  const { rows } = await tx.query<{ id: string; data: Record<string, unknown> }>('select id, data from staged_audit_events where run_id = $1', [runId]);
  const inserted = await tx.query(
    `insert into credential_audit_events (connector_id, id, activity, data, key_ids, first_seen_run_id)
     select $1, e.i, e.a, e.d, array(select jsonb_array_elements_text(e.k)), $2
       from unnest($3::text[], $4::text[], $5::jsonb[], $6::jsonb[]) e(i, a, d, k)
     on conflict (connector_id, id) do nothing`,
    [
      connectorId,
      runId,
      rows.map((r) => r.id),
      rows.map((r) => classifyAuditActivity(r.data.activityDisplayName) ?? 'other'),
      rows.map((r) => JSON.stringify(r.data)),
      rows.map((r) => JSON.stringify(credentialKeyIds(r.data))),
    ],
  );
  if (watermark) {
    await tx.query(
      `insert into audit_watermarks (connector_id, stream, watermark, run_id) values ($1, $2, $3, $4)
       on conflict (connector_id, stream) do update set watermark = greatest(audit_watermarks.watermark, excluded.watermark), run_id = excluded.run_id`,
      [connectorId, AUDIT_STREAM, watermark, runId],
    );
  }
  return { upserted: inserted.rowCount ?? 0, removed: 0 };
}
