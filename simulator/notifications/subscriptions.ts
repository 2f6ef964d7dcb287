import type { SupportedChangeType, WatchedResource } from './subscriptionRules';

/** A subscription as the simulated service keeps it. Times are on the tenant's clock (ms). */
export interface Subscription {
  id: string;
  /** As the client sent it (Graph echoes it). */
  resource: string;
  watched: WatchedResource;
  changeTypes: SupportedChangeType[];
  changeType: string;
  clientState: string | null;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  latestSupportedTlsVersion: string;
  expiresAtMs: number;
  applicationId: string;
  creatorId: string;
  /** Until when change notifications flow without a reauthorization (Infinity: always). */
  authorizedUntilMs: number;
  /** When the next reauthorizationRequired may go out (0: none sent yet for this authorization). */
  nextChallengeAtMs: number;
}

/** Graph's JSON for a subscription (v1.0 properties). */
export function subscriptionView(subscription: Subscription): Record<string, unknown> {
  return {
    id: subscription.id,
    resource: subscription.resource,
    applicationId: subscription.applicationId,
    changeType: subscription.changeType,
    clientState: subscription.clientState,
    notificationUrl: subscription.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: subscription.lifecycleNotificationUrl,
    expirationDateTime: new Date(subscription.expiresAtMs).toISOString(),
    creatorId: subscription.creatorId,
    includeResourceData: false,
    latestSupportedTlsVersion: subscription.latestSupportedTlsVersion,
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
  };
}

/** The tenant's subscriptions, by id. */
export class SubscriptionStore {
  private readonly byId = new Map<string, Subscription>();

  get size(): number {
    return this.byId.size;
  }

  add(subscription: Subscription): void {
    this.byId.set(subscription.id.toLowerCase(), subscription);
  }

  get(id: string): Subscription | undefined {
    return this.byId.get(id.toLowerCase());
  }

  remove(id: string): boolean {
    return this.byId.delete(id.toLowerCase());
  }

  all(): Subscription[] {
    return [...this.byId.values()];
  }

  countFor(applicationId: string): number {
    let count = 0;
    for (const subscription of this.byId.values()) if (subscription.applicationId === applicationId) count++;
    return count;
  }
}
