import { createHash } from 'node:crypto';
import type { NotificationReceipt } from '../activities/store/notificationReceipts';
import type { GraphNotification } from './notificationSchema';

/**
 * The receipt of an accepted notification: the connector and subscription it wakes and its kind.
 * Its dedupe key hashes the notification's identity as Graph sends it again on a retry (Graph's
 * own id when present, else the fields that tell two notifications apart), so a duplicate
 * delivery records nothing new. Two identical notifications without an id collapse into one,
 * which is harmless: each is only a trigger.
 */
export function receiptOf(n: GraphNotification, connectorId: string, receivedAt: Date): NotificationReceipt {
  const identity = [
    n.subscriptionId,
    n.lifecycleEvent ?? n.changeType ?? '',
    n.id ?? '',
    n.tenantId ?? '',
    n.resource ?? '',
    n.resourceData?.id ?? '',
    n.subscriptionExpirationDateTime ?? '',
  ];
  const dedupeKey = createHash('sha256').update(JSON.stringify(identity)).digest('hex');
  return { dedupeKey, connectorId, subscriptionId: n.subscriptionId, event: n.lifecycleEvent ?? 'changed', receivedAt: receivedAt.toISOString() };
}
