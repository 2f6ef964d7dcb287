import type { Queryable } from './database';

/**
 * The notifications the receiver accepted (migration 0035). A receipt holds which subscription
 * and connector a notification woke and its kind, never the notification's content: it is a
 * trigger for the connector's tail, not data.
 */
export const RECEIPT_EVENTS = ['changed', 'reauthorizationRequired', 'subscriptionRemoved', 'missed'] as const;
export type ReceiptEvent = (typeof RECEIPT_EVENTS)[number];
export type LifecycleEvent = Exclude<ReceiptEvent, 'changed'>;

export type NotificationReceipt = {
  dedupeKey: string;
  connectorId: string;
  subscriptionId: string;
  event: ReceiptEvent;
  /** ISO time the receiver accepted it. */
  receivedAt: string;
};

/**
 * Inserts what is not recorded yet. A receipt seen again while its signal is still to be sent (a
 * retry, a replayed spool) changes nothing. A change receipt seen again after its tail was
 * signalled is armed again: Graph's user and group notifications carry no id, so a second change
 * to the same object arrives as the same notification and must wake the tail again (a late retry
 * costs at most one extra pass). A lifecycle receipt seen again after the manager handled it is
 * opened again: Graph repeats `reauthorizationRequired` with the same fields (reauthorizing does not
 * move the expiry), and each challenge must be answered. A key twice in one batch counts once (DO UPDATE may touch a row
 * only once per statement). Returns how many were new or armed again.
 */
export async function recordReceipts(db: Queryable, receipts: NotificationReceipt[]): Promise<number> {
  if (!receipts.length) return 0;
  const { rowCount } = await db.query(
    `insert into notification_receipts (dedupe_key, connector_id, subscription_id, event, received_at)
     select distinct on (k) k, c, s, e, r from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) as t(k, c, s, e, r) order by k, r
     on conflict (dedupe_key) do update set signalled_at = null, handled_at = null, received_at = excluded.received_at
      where notification_receipts.signalled_at is not null and excluded.received_at > notification_receipts.signalled_at
        and (notification_receipts.event = 'changed' or notification_receipts.handled_at is not null)`,
    [
      receipts.map((r) => r.dedupeKey),
      receipts.map((r) => r.connectorId),
      receipts.map((r) => r.subscriptionId),
      receipts.map((r) => r.event),
      receipts.map((r) => r.receivedAt),
    ],
  );
  return rowCount ?? 0;
}

/** Receipts whose tail has not been signalled yet, grouped by connector and event. */
export type PendingSignal = { connectorId: string; event: ReceiptEvent; dedupeKeys: string[] };

export async function receiptsToSignal(db: Queryable, limit = 10_000): Promise<PendingSignal[]> {
  const { rows } = await db.query<PendingSignal>(
    `select connector_id as "connectorId", event, array_agg(dedupe_key) as "dedupeKeys"
       from (select connector_id, event, dedupe_key from notification_receipts where signalled_at is null order by received_at limit $1) pending
      group by connector_id, event order by connector_id, event`,
    [limit],
  );
  return rows;
}

export async function markSignalled(db: Queryable, dedupeKeys: string[]): Promise<void> {
  await db.query(`update notification_receipts set signalled_at = now() where dedupe_key = any($1::text[]) and signalled_at is null`, [dedupeKeys]);
}

/** Lifecycle notifications the subscription manager has not acted on yet (reauthorize, recreate). */
export type OpenLifecycleEvent = { dedupeKey: string; subscriptionId: string; event: LifecycleEvent; receivedAt: Date };

export async function openLifecycleEvents(db: Queryable, connectorId: string): Promise<OpenLifecycleEvent[]> {
  const { rows } = await db.query<OpenLifecycleEvent>(
    `select dedupe_key as "dedupeKey", subscription_id as "subscriptionId", event, received_at as "receivedAt"
       from notification_receipts where connector_id = $1 and event <> 'changed' and handled_at is null order by received_at`,
    [connectorId],
  );
  return rows;
}

export async function markLifecycleHandled(db: Queryable, dedupeKeys: string[]): Promise<void> {
  await db.query(`update notification_receipts set handled_at = now() where dedupe_key = any($1::text[]) and handled_at is null`, [dedupeKeys]);
}

/**
 * Deletes signalled change receipts older than `olderThanMs`: past Graph's retry window (4 hours)
 * a duplicate can no longer arrive, so the dedupe key has done its job. Open lifecycle events stay.
 */
export async function pruneReceipts(db: Queryable, olderThanMs: number): Promise<number> {
  const { rowCount } = await db.query(
    `delete from notification_receipts where signalled_at is not null and received_at < now() - make_interval(secs => $1)
        and (event = 'changed' or handled_at is not null)`,
    [olderThanMs / 1000],
  );
  return rowCount ?? 0;
}
