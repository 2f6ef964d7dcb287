/** Where Graph delivers a connector's notifications: the receiver's two endpoints (docs/notifications.md). */
export type NotificationUrls = { notificationUrl: string; lifecycleNotificationUrl: string };

/**
 * ENTRA_NOTIFICATION_URL is the receiver's public HTTPS URL: its base (a path prefix allowed, for
 * a proxy), or its `/notifications` endpoint. Change notifications go to `<base>/notifications`,
 * lifecycle notifications to `<base>/lifecycle`, both served by the receiver.
 */
export function notificationUrls(configured: string): NotificationUrls {
  const url = new URL(configured);
  url.search = '';
  url.hash = '';
  const base = url.pathname.replace(/\/+$/, '').replace(/\/notifications$/, '');
  url.pathname = `${base}/notifications`;
  const notificationUrl = url.toString();
  url.pathname = `${base}/lifecycle`;
  return { notificationUrl, lifecycleNotificationUrl: url.toString() };
}

/** Why a value cannot be ENTRA_NOTIFICATION_URL, or undefined. */
export function notificationUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `ENTRA_NOTIFICATION_URL="${value}" is not a URL; use the receiver's public HTTPS URL, like https://notify.example.com`;
  }
  if (url.protocol !== 'https:') return `ENTRA_NOTIFICATION_URL="${value}" must use https: Graph delivers change notifications to HTTPS endpoints only`;
  return undefined;
}
