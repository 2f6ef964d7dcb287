import type { DirectoryChange } from '../model/directoryChangeFeed';
import type { SimulatorClock } from '../tenant/simulatorClock';
import type { TenantStore } from '../tenant/tenantStore';
import { EndpointTrust } from './endpointTrust';
import { NotificationDelivery, type Deliverability } from './notificationDelivery';
import { applySettingsPatch, defaultNotificationSettings, type NotificationSettings, type NotificationSettingsPatch } from './notificationSettings';
import { permissionsFor, type SupportedChangeType } from './subscriptionRules';
import { SubscriptionStore, type Subscription } from './subscriptions';

export interface ChangeNotificationsOptions {
  tenant: TenantStore;
  clock: SimulatorClock;
  seed: number;
  settings?: NotificationSettingsPatch;
  /** The app's consented permissions now: revoking the read permission pauses its subscriptions. */
  grantedPermissions?: () => readonly string[];
  /** The simulator's own certificate (PEM): an endpoint may present it (endpointTrust.ts). */
  certificate?: string;
}

/**
 * The tenant's change-notification service: its subscriptions, the notifications the tenant's
 * changes raise for them, reauthorizationRequired challenges before authorization or the
 * subscription runs out, and removal at expiry (docs/graph-behaviour.md, "Change notifications").
 */
export class ChangeNotificationService {
  readonly subscriptions = new SubscriptionStore();
  readonly settings: NotificationSettings;
  readonly delivery: NotificationDelivery;
  /** How an endpoint's certificate is trusted (handshake and delivery). */
  readonly trust: EndpointTrust;
  /** Subscriptions removed because they expired (not deleted by the client). */
  expiredSubscriptions = 0;
  private readonly tenant: TenantStore;
  private readonly clock: SimulatorClock;
  private readonly grantedPermissions: (() => readonly string[]) | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  private tickTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: ChangeNotificationsOptions) {
    this.tenant = options.tenant;
    this.clock = options.clock;
    this.grantedPermissions = options.grantedPermissions;
    this.settings = applySettingsPatch(defaultNotificationSettings(options.seed), options.settings ?? {});
    this.trust = new EndpointTrust(options.certificate);
    this.delivery = new NotificationDelivery({
      trust: this.trust,
      settings: () => this.settings,
      clockNowMs: () => this.clock.nowMs(),
      deliverability: (id, lifecycle) => this.deliverability(id, lifecycle),
    });
    this.unsubscribe.push(this.tenant.changes.subscribe((change) => this.onChange(change)));
    this.unsubscribe.push(this.clock.onAdvance(() => this.tick()));
    this.scheduleTick();
  }

  configure(patch: NotificationSettingsPatch): NotificationSettings {
    applySettingsPatch(this.settings, patch);
    this.delivery.reconfigure();
    this.delivery.wake();
    this.scheduleTick();
    return this.settings;
  }

  /** The tenant's clock, which subscription lifetimes are measured on. */
  currentTimeMs(): number {
    return this.clock.nowMs();
  }

  /** A create, renewal or reauthorization: notifications flow again for the authorization lifetime. */
  authorize(subscription: Subscription): void {
    const lifetime = this.settings.authorizationLifetimeSeconds;
    subscription.authorizedUntilMs = lifetime > 0 ? this.clock.nowMs() + lifetime * 1000 : Number.POSITIVE_INFINITY;
    subscription.nextChallengeAtMs = 0;
    this.delivery.wake();
  }

  /** Expiry and lifecycle, on the tenant's clock. */
  tick(): void {
    if (this.closed) return;
    const now = this.clock.nowMs();
    for (const subscription of this.subscriptions.all()) {
      if (now >= subscription.expiresAtMs) {
        // Graph deletes an expired subscription; for users and groups no subscriptionRemoved is documented.
        this.subscriptions.remove(subscription.id);
        this.expiredSubscriptions++;
        continue;
      }
      if (subscription.authorizedUntilMs > now && !this.stillPermitted(subscription)) {
        // Permission revoked: delivery pauses and a challenge goes out until the app reauthorizes.
        subscription.authorizedUntilMs = now;
        subscription.nextChallengeAtMs = 0;
      }
      this.challengeIfDue(subscription, now);
    }
    this.delivery.wake();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.tickTimer);
    for (const stop of this.unsubscribe) stop();
    this.delivery.close();
  }

  /** Real-time ticks, so expiry and challenges also happen as time passes without advances. */
  private scheduleTick(): void {
    clearTimeout(this.tickTimer);
    if (this.closed) return;
    this.tickTimer = setTimeout(() => {
      this.tick();
      this.scheduleTick();
    }, this.settings.tickMs);
    this.tickTimer.unref();
  }

  private stillPermitted(subscription: Subscription): boolean {
    if (!this.grantedPermissions) return true;
    const granted = this.grantedPermissions();
    return permissionsFor(subscription.watched).some((permission) => granted.includes(permission));
  }

  private challengeIfDue(subscription: Subscription, now: number): void {
    if (!subscription.lifecycleNotificationUrl) return;
    const runsOutAt = Math.min(subscription.authorizedUntilMs, subscription.expiresAtMs);
    if (now < runsOutAt - this.settings.reauthorizationLeadSeconds * 1000 || now < subscription.nextChallengeAtMs) return;
    subscription.nextChallengeAtMs = now + this.settings.reauthorizationRepeatSeconds * 1000;
    this.delivery.enqueue(
      subscription.lifecycleNotificationUrl,
      subscription.id,
      {
        subscriptionId: subscription.id,
        subscriptionExpirationDateTime: new Date(subscription.expiresAtMs).toISOString(),
        tenantId: this.tenant.tenantId,
        clientState: subscription.clientState,
        lifecycleEvent: 'reauthorizationRequired',
      },
      true,
    );
  }

  private deliverability(subscriptionId: string, lifecycle: boolean): Deliverability {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription || this.clock.nowMs() >= subscription.expiresAtMs) return 'gone';
    if (!lifecycle && this.clock.nowMs() > subscription.authorizedUntilMs) return 'paused';
    return 'deliver';
  }

  private onChange(change: DirectoryChange): void {
    if (this.subscriptions.size === 0) return;
    const event = describe(change);
    if (!event) return;
    for (const subscription of this.subscriptions.all()) {
      if (!subscription.changeTypes.includes(event.changeType) || !watches(subscription, change)) continue;
      this.delivery.enqueue(subscription.notificationUrl, subscription.id, this.notification(subscription, event));
    }
  }

  private notification(subscription: Subscription, event: ChangeEvent): Record<string, unknown> {
    const path = `${event.entitySet}/${event.id}`;
    return {
      subscriptionId: subscription.id,
      subscriptionExpirationDateTime: new Date(subscription.expiresAtMs).toISOString(),
      changeType: event.changeType,
      clientState: subscription.clientState,
      resource: path,
      tenantId: this.tenant.tenantId,
      resourceData: {
        '@odata.type': event.odataType,
        '@odata.id': path,
        id: event.id,
        organizationId: this.tenant.tenantId,
        ...(event.link ? { [`${event.link.collection}@delta`]: [{ id: event.link.objectId, ...(event.link.removed ? { '@removed': 'deleted' } : {}) }] } : {}),
      },
    };
  }
}

interface ChangeEvent {
  entitySet: 'Users' | 'Groups';
  odataType: string;
  id: string;
  changeType: SupportedChangeType;
  link?: { collection: 'members' | 'owners'; objectId: string; removed: boolean };
}

/** Creation, soft deletion and restore arrive as `updated`; only a permanent delete is `deleted`. */
function describe(change: DirectoryChange): ChangeEvent | undefined {
  if (change.kind === 'link') {
    return {
      entitySet: 'Groups',
      odataType: '#Microsoft.Graph.Group',
      id: change.groupId,
      changeType: 'updated',
      link: { collection: change.collection, objectId: change.objectId, removed: change.change === 'removed' },
    };
  }
  const changeType: SupportedChangeType = change.change === 'deleted' ? 'deleted' : 'updated';
  if (change.stream === 'users') return { entitySet: 'Users', odataType: '#Microsoft.Graph.User', id: change.id, changeType };
  if (change.stream === 'groups') return { entitySet: 'Groups', odataType: '#Microsoft.Graph.Group', id: change.id, changeType };
  return undefined;
}

function watches(subscription: Subscription, change: DirectoryChange): boolean {
  const watched = subscription.watched;
  if (change.kind === 'link') {
    if (watched.kind === 'groupLinks') return watched.id === change.groupId && watched.collection === change.collection;
    // A groups subscription carries membership changes (and cannot be told not to).
    return watched.kind === 'groups' && change.collection === 'members' && (watched.id === null || watched.id === change.groupId);
  }
  if (change.stream === 'users') return watched.kind === 'users' && (watched.id === null || watched.id === change.id);
  if (change.stream === 'groups') return watched.kind === 'groups' && (watched.id === null || watched.id === change.id);
  return false;
}
