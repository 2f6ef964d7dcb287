import type { Queryable } from './database';

/**
 * Whether change notifications work for a connector, as its subscription manager last found
 * (migration 0036): `on`, `off` with why, or `unavailable` with why and when it tries again.
 */
export type NotificationState = 'on' | 'off' | 'unavailable';

export type NotificationStatus = {
  state: NotificationState;
  reason: string | null;
  retryAt: Date | null;
  checkedAt: Date;
};

export async function saveNotificationStatus(db: Queryable, connectorId: string, status: { state: NotificationState; reason?: string; retryAt?: Date }): Promise<void> {
  // The connector may be gone (removed while its tail ended): nothing to record then.
  await db.query(
    `insert into notification_status (connector_id, state, reason, retry_at, checked_at)
     select $1, $2, $3, $4, now() where exists (select 1 from connectors where id = $1)
     on conflict (connector_id) do update set state = excluded.state, reason = excluded.reason, retry_at = excluded.retry_at, checked_at = now()`,
    [connectorId, status.state, status.reason ?? null, status.retryAt ?? null],
  );
}

export async function readNotificationStatus(db: Queryable, connectorId: string): Promise<NotificationStatus | undefined> {
  const { rows } = await db.query<NotificationStatus>(
    `select state, reason, retry_at as "retryAt", checked_at as "checkedAt" from notification_status where connector_id = $1`,
    [connectorId],
  );
  return rows[0];
}
