import type { Queryable } from './database';

export async function clearStaged(db: Queryable, table: 'staged_directory_roles' | 'staged_audit_events', runId: number): Promise<void> {
  await db.query(`delete from ${table} where run_id = $1`, [runId]);
}

/** Records a finished relationship pull (pages, requests, and for audits the newest event time). */
export async function recordRelationshipPull(
  db: Queryable,
  runId: number,
  stream: string,
  pull: { pages: number; requests: number; throttled: number; staged: number; watermark?: string | null },
): Promise<void> {
  await db.query(
    `update sync_run_streams set pages = $3, requests = $4, throttled = $5, staged = $6, watermark = $7, pulled_at = now()
      where run_id = $1 and stream = $2`,
    [runId, stream, pull.pages, pull.requests, pull.throttled, pull.staged, pull.watermark ?? null],
  );
}

export async function committedWatermark(db: Queryable, connectorId: string, stream: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ watermark: Date }>('select watermark from audit_watermarks where connector_id = $1 and stream = $2', [connectorId, stream]);
  return rows[0]?.watermark;
}
