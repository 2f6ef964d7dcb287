import type { NotificationDeps } from '../activities/notifications/manageSubscriptions';
import type { KeyRing } from '../activities/secrets/secretCipher';
import { notificationUrls } from '../shared/notificationUrls';

/** ENTRA_NOTIFICATION_URL, checked against what subscriptions need: the key that seals each clientState. */
export function notificationSettings(notificationUrl: string | undefined, keys: KeyRing | undefined): NotificationDeps | undefined {
  if (!notificationUrl) return undefined;
  if (!keys) {
    throw new Error(
      'ENTRA_NOTIFICATION_URL is set but ENTRA_SYNC_ENCRYPTION_KEY is not: each subscription\'s clientState is sealed with it, and the receiver opens it with the same key; set it on the sync worker and the receiver, or unset ENTRA_NOTIFICATION_URL',
    );
  }
  return { urls: notificationUrls(notificationUrl), keys };
}
