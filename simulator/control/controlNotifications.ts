import type { Router, RouteHandler } from '../http/router';
import type { ChangeNotificationService } from '../notifications/changeNotifications';
import { notificationSettingsPatchSchema } from '../notifications/notificationSettings';
import { subscriptionView } from '../notifications/subscriptions';
import { guarded, noContent, notFound, ok, parse } from './controlResponses';

/**
 * /_sim/notifications: the change-notification service's settings (latency, batching, faults,
 * timeouts, back-off, slow/drop rules, lifetimes), what it delivered, and Graph-side removal
 * of a subscription (docs/graph-behaviour.md, "Change notifications").
 */
export function registerNotificationControlRoutes(router: Router, prefix: string, service: ChangeNotificationService): void {
  const route = (method: string, path: string, handler: RouteHandler) => router.add(method, `${prefix}${path}`, guarded(handler));

  route('GET', '/notifications', () => {
    service.tick();
    return ok({
      settings: service.settings,
      counters: service.delivery.counters,
      pending: service.delivery.pending,
      expiredSubscriptions: service.expiredSubscriptions,
      subscriptions: service.subscriptions.all().map((subscription) => ({
        ...subscriptionView(subscription),
        authorizedUntil: Number.isFinite(subscription.authorizedUntilMs) ? new Date(subscription.authorizedUntilMs).toISOString() : null,
        endpointState: service.delivery.endpointState(subscription.notificationUrl),
      })),
    });
  });
  route('PATCH', '/notifications/settings', (request) => ok(service.configure(parse(notificationSettingsPatchSchema, request))));
  route('GET', '/notifications/attempts', () => ok(service.delivery.attemptLog()));
  route('DELETE', '/notifications/counters', () => {
    service.delivery.reset();
    return noContent();
  });
  // Graph may drop a subscription on its side; for users and groups it sends no subscriptionRemoved.
  route('POST', '/notifications/subscriptions/:id/remove', (_request, params) =>
    service.subscriptions.remove(params.id ?? '') ? noContent() : notFound(`subscription ${params.id} does not exist`),
  );
}
