import type { Queryable } from './database';

export type TailSetting = { tailEnabled: boolean; tailIntervalSeconds: number | null };

/**
 * Turns a connector's tail on or off and sets its backstop interval (null: ENTRA_TAIL_INTERVAL;
 * undefined: unchanged). The tail workflow reads both before every pass. False: no such connector.
 */
export async function setConnectorTail(db: Queryable, connectorId: string, tail: { enabled?: boolean; intervalSeconds?: number | null }): Promise<boolean> {
  const { rowCount } = await db.query(
    `update connectors set tail_enabled = coalesce($2, tail_enabled),
            tail_interval_seconds = case when $3::boolean then $4::int else tail_interval_seconds end, updated_at = now()
      where id = $1`,
    [connectorId, tail.enabled ?? null, tail.intervalSeconds !== undefined, tail.intervalSeconds ?? null],
  );
  return rowCount === 1;
}

export async function readConnectorTail(db: Queryable, connectorId: string): Promise<TailSetting | undefined> {
  const { rows } = await db.query<TailSetting>(
    'select tail_enabled as "tailEnabled", tail_interval_seconds as "tailIntervalSeconds" from connectors where id = $1',
    [connectorId],
  );
  return rows[0];
}
