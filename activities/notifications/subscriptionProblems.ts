import type { GraphAnswer } from './subscriptionApi';
import { PERMISSION_FOR } from './subscriptionPolicy';

type Refusal = Extract<GraphAnswer<unknown>, { ok: false }>;

const graphSaid = (a: Refusal) => `${a.status} ${a.code}: ${a.message}`;

/** Why Graph would not create a subscription, and what the operator can do: shown in `entra-sync tail status`. */
export function createRefused(resource: string, answer: Refusal, urls: { notificationUrl: string; lifecycleNotificationUrl: string }): string {
  const what = `Graph refused to create the change-notification subscription for ${resource} (${graphSaid(answer)})`;
  if (answer.status === 403 && /quota|limit/i.test(answer.message)) {
    return `${what}: a subscription limit is reached (per app and tenant 100, per tenant 1,000 for users and groups); delete subscriptions the app or tenant no longer needs`;
  }
  if (answer.status === 403) {
    return `${what}: the app lacks the application permission ${PERMISSION_FOR[resource] ?? 'to read it'}; grant it with admin consent`;
  }
  if (answer.status === 400 && /validation/i.test(`${answer.code} ${answer.message}`)) {
    return (
      `${what}: the receiver did not answer Graph's validation request at ${urls.notificationUrl} and ${urls.lifecycleNotificationUrl} ` +
      `(200, text/plain, the token, within 10 s); check that it runs (npm run receiver), that ENTRA_NOTIFICATION_URL is its public HTTPS URL, ` +
      `reachable from the internet with a trusted certificate`
    );
  }
  if (answer.status === 409) {
    return `${what}: the app already has a subscription for ${resource} in this tenant, likely another connector of the same tenant and app; only one of them can have notifications`;
  }
  return what;
}

/** A renewal or reauthorization Graph refused (a 403 means the permission went: Graph pauses delivery until it is back). */
export function upkeepRefused(action: 'renew' | 'reauthorize', resource: string, subscriptionId: string, answer: Refusal): string {
  const what = `Graph refused to ${action} the ${resource} subscription ${subscriptionId} (${graphSaid(answer)})`;
  if (answer.status === 403) return `${what}: the app lost the application permission ${PERMISSION_FOR[resource] ?? 'to read it'}; grant it again with admin consent`;
  return what;
}
