import { classifyAuditActivity, credentialKeyIds } from '../auditClassification';
import { AUDIT_STREAM } from '../../shared/streams';
import { advanceSpan, auditLag, committedSpans, type AuditRead } from '../staging/auditSpans';
import { stagedAuditChunks } from '../staging/stagedAuditChunks';
import type { Queryable } from '../store/database';
import type { Counts } from './counts';

/**
 * Inserts new credential audit events (an event id is stored once), moves every audit query's
 * span by what the run read of it, and the connector's audit watermark to the oldest forward edge
 * of them all, and records on the run's stream row how far each query is behind the run's bound.
 * `watermark` is the run's upper bound; a run pulled by a build before the filtered queries (no
 * audit_reads) moves only the watermark, as that build did.
 */
export async function applyAuditEvents(tx: Queryable, connectorId: string, syncRunId: number, watermark: Date | null): Promise<Counts> {
  let upserted = 0;
  for await (const rows of stagedAuditChunks<{ id: string; data: Record<string, unknown> }>(tx, syncRunId, 'id, data')) {
    const inserted = await tx.query(
      `insert into credential_audit_events (connector_id, id, activity, data, key_ids, first_seen_run_id)
       select $1, e.i, e.a, e.d, array(select jsonb_array_elements_text(e.k)), $2
         from unnest($3::text[], $4::text[], $5::jsonb[], $6::jsonb[]) e(i, a, d, k)
       on conflict (connector_id, id) do nothing`,
      [
        connectorId,
        syncRunId,
        rows.map((r) => r.id),
        rows.map((r) => classifyAuditActivity(r.data.activityDisplayName) ?? 'other'),
        rows.map((r) => JSON.stringify(r.data)),
        rows.map((r) => JSON.stringify(credentialKeyIds(r.data))),
      ],
    );
    upserted += inserted.rowCount ?? 0;
  }
  const reads = await runReads(tx, syncRunId);
  let newWatermark = watermark;
  if (watermark && reads) {
    const spans = (await committedSpans(tx, connectorId, watermark.getTime())).map((span) => advanceSpan(span, reads));
    await tx.query(
      `insert into audit_sources (connector_id, source, floor, low, high, resume_at, run_id)
       select $1, s.source, s.floor, s.low, s.high, s.resume_at, $2
         from unnest($3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[]) s(source, floor, low, high, resume_at)
       on conflict (connector_id, source) do update
         set floor = excluded.floor, low = excluded.low, high = excluded.high, resume_at = excluded.resume_at, run_id = excluded.run_id`,
      [
        connectorId,
        syncRunId,
        spans.map((s) => s.source),
        ...(['floor', 'low', 'high'] as const).map((k) => spans.map((s) => new Date(s[k]))),
        spans.map((s) => (s.resume === null ? null : new Date(s.resume))),
      ],
    );
    await tx.query('update sync_run_streams set audit_lag = $3 where run_id = $1 and stream = $2', [syncRunId, AUDIT_STREAM, JSON.stringify(auditLag(spans, watermark.getTime()))]);
    newWatermark = new Date(Math.min(...spans.map((s) => s.high)));
  }
  if (newWatermark) {
    await tx.query(
      `insert into audit_watermarks (connector_id, stream, watermark, run_id) values ($1, $2, $3, $4)
       on conflict (connector_id, stream) do update set watermark = greatest(audit_watermarks.watermark, excluded.watermark), run_id = excluded.run_id`,
      [connectorId, AUDIT_STREAM, newWatermark, syncRunId],
    );
  }
  return { upserted, removed: 0 };
}

async function runReads(tx: Queryable, syncRunId: number): Promise<AuditRead[] | undefined> {
  const { rows } = await tx.query<{ reads: AuditRead[] | null }>('select audit_reads as reads from sync_run_streams where run_id = $1 and stream = $2', [syncRunId, AUDIT_STREAM]);
  return rows[0]?.reads ?? undefined;
}
