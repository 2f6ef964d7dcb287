import { until } from '../../reliability/waits';
import type { RunningSimulator } from '../../simulator/server';

/**
 * Until the simulated Graph holds a /users and a /groups subscription delivering to
 * `notificationUrl`: what the subscription manager creates once the connector's tail runs with
 * ENTRA_NOTIFICATION_URL set (docs/notifications.md). Returns their ids.
 */
export function untilSubscribed(sim: RunningSimulator, notificationUrl: string, timeoutMs = 60_000): Promise<string[]> {
  return until(
    `the /users and /groups subscriptions to ${notificationUrl}`,
    () => {
      const ours = sim.notifications.subscriptions.all().filter((s) => s.notificationUrl === notificationUrl);
      const resources = new Set(ours.map((s) => s.resource));
      return resources.has('/users') && resources.has('/groups') ? ours.map((s) => s.id) : undefined;
    },
    timeoutMs,
  );
}
