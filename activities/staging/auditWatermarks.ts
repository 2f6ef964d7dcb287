import type { Queryable } from '../store/database';

export async function committedWatermark(db: Queryable, connectorId: string, stream: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ watermark: Date }>('select watermark from audit_watermarks where connector_id = $1 and stream = $2', [connectorId, stream]);
  return rows[0]?.watermark;
}
