import { createRandom, hashSeed, type Random } from '../generate/random';
import { LatencyModel } from '../traffic/latency';
import { EndpointThrottle, type EndpointState } from './endpointThrottle';
import { MAX_NOTIFICATION_LATENCY_MS, type NotificationSettings } from './notificationSettings';
import type { EndpointTrust } from './endpointTrust';

/** One notification on its way to one endpoint. */
interface Outgoing {
  subscriptionId: string;
  payload: Record<string, unknown>;
  lifecycle: boolean;
  /** Tenant clock: the 4-hour limit counts from here. */
  createdAtClockMs: number;
  /** Real time: not sent before. */
  dueAtMs: number;
  attempts: number;
}

interface Endpoint {
  url: string;
  items: Outgoing[];
  timer: NodeJS.Timeout | undefined;
  /** When the timer fires (real time). */
  timerAtMs: number;
  busy: boolean;
  throttle: EndpointThrottle;
}

/** Whether a subscription's notifications may go out now. */
export type Deliverability = 'deliver' | 'paused' | 'gone';

export interface DeliveryAttempt {
  time: string;
  url: string;
  notifications: number;
  /** The highest attempt number in the POST (1 = first try). */
  attempt: number;
  outcome: 'delivered' | 'refused' | 'timedOut' | 'unreachable';
  status?: number;
  durationMs: number;
}

export interface DeliveryCounters {
  enqueued: number;
  delivered: number;
  /** Dropped by the loss fault: never sent. */
  lost: number;
  /** Extra copies made by the duplicate fault. */
  duplicated: number;
  /** Notifications sent again after a failed attempt. */
  retried: number;
  /** Given up after the retry limit. */
  expired: number;
  /** Dropped because their endpoint was in the drop state. */
  droppedByThrottling: number;
  /** Dropped because their subscription was deleted or expired first. */
  droppedSubscriptionGone: number;
  posts: number;
}

const ATTEMPT_LOG_CAPACITY = 2000;

export interface DeliveryDependencies {
  settings: () => NotificationSettings;
  /** The tenant's clock. */
  clockNowMs: () => number;
  deliverability: (subscriptionId: string, lifecycle: boolean) => Deliverability;
  /** How an endpoint's certificate is trusted. */
  trust: EndpointTrust;
}

/**
 * Sends notifications to their endpoints as Microsoft's service does: after a latency drawn
 * from the settings, several per POST, retried with exponential back-off on anything but a
 * timely 2xx until the retry limit, with the slow and drop rules per endpoint, and with
 * injected loss, duplicates and reordering.
 */
export class NotificationDelivery {
  readonly counters: DeliveryCounters = emptyCounters();
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly attempts: DeliveryAttempt[] = [];
  private random: Random;
  private latency: LatencyModel;
  private closed = false;

  constructor(private readonly deps: DeliveryDependencies) {
    const settings = deps.settings();
    this.random = createRandom(hashSeed(settings.seed, 'notification-faults'));
    this.latency = new LatencyModel({ distribution: settings.latency, seed: hashSeed(settings.seed, 'notification-latency') }, settings.seed, MAX_NOTIFICATION_LATENCY_MS);
  }

  /** Restarts the seeded draws from the (possibly new) settings. */
  reconfigure(): void {
    const settings = this.deps.settings();
    this.random = createRandom(hashSeed(settings.seed, 'notification-faults'));
    this.latency.configure({ distribution: settings.latency, seed: hashSeed(settings.seed, 'notification-latency') });
  }

  enqueue(url: string, subscriptionId: string, payload: Record<string, unknown>, lifecycle = false): void {
    if (this.closed) return;
    const settings = this.deps.settings();
    const endpoint = this.endpoint(url);
    const now = Date.now();
    const state = endpoint.throttle.current(now);
    this.counters.enqueued++;
    if (state === 'drop') {
      this.counters.droppedByThrottling++;
      return;
    }
    if (!lifecycle && settings.lossProbability > 0 && this.random.chance(settings.lossProbability)) {
      this.counters.lost++;
      return;
    }
    const copies = !lifecycle && settings.duplicateProbability > 0 && this.random.chance(settings.duplicateProbability) ? 2 : 1;
    if (copies === 2) this.counters.duplicated++;
    for (let copy = 0; copy < copies; copy++) {
      const delay = this.latency.sample() + (state === 'slow' ? settings.throttle.slowDelayMs : 0);
      endpoint.items.push({ subscriptionId, payload, lifecycle, createdAtClockMs: this.deps.clockNowMs(), dueAtMs: now + delay, attempts: 0 });
      this.schedule(endpoint, now + delay);
    }
  }

  /** Looks again at every endpoint (paused subscriptions may have been reauthorized). */
  wake(): void {
    for (const endpoint of this.endpoints.values()) this.schedule(endpoint);
  }

  /** Notifications not yet delivered, dropped or given up. */
  get pending(): number {
    let count = 0;
    for (const endpoint of this.endpoints.values()) count += endpoint.items.length;
    return count;
  }

  endpointState(url: string): EndpointState {
    return this.endpoints.get(url)?.throttle.current(Date.now()) ?? 'normal';
  }

  attemptLog(): DeliveryAttempt[] {
    return [...this.attempts];
  }

  reset(): void {
    Object.assign(this.counters, emptyCounters());
    this.attempts.length = 0;
  }

  close(): void {
    this.closed = true;
    for (const endpoint of this.endpoints.values()) clearTimeout(endpoint.timer);
    this.endpoints.clear();
  }

  private endpoint(url: string): Endpoint {
    let endpoint = this.endpoints.get(url);
    if (!endpoint) {
      endpoint = { url, items: [], timer: undefined, timerAtMs: 0, busy: false, throttle: new EndpointThrottle(() => this.deps.settings().throttle) };
      this.endpoints.set(url, endpoint);
    }
    return endpoint;
  }

  /** One timer per endpoint, at the earliest due notification plus the batch window; never postponed. */
  private schedule(endpoint: Endpoint, addedDueAtMs?: number): void {
    if (this.closed || endpoint.busy || endpoint.items.length === 0 || this.deps.settings().hold) return;
    const now = Date.now();
    // A burst: the timer already fires no later than the new notification needs.
    if (endpoint.timer && addedDueAtMs !== undefined && endpoint.timerAtMs <= Math.max(now, addedDueAtMs) + this.deps.settings().batchWindowMs) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const item of endpoint.items) earliest = Math.min(earliest, item.dueAtMs);
    const fireAt = Math.max(now, earliest) + this.deps.settings().batchWindowMs;
    if (endpoint.timer && endpoint.timerAtMs <= fireAt) return;
    clearTimeout(endpoint.timer);
    endpoint.timerAtMs = fireAt;
    endpoint.timer = setTimeout(() => {
      endpoint.timer = undefined;
      void this.flush(endpoint);
    }, fireAt - now);
    endpoint.timer.unref();
  }

  private async flush(endpoint: Endpoint): Promise<void> {
    if (this.closed) return;
    endpoint.busy = true;
    try {
      const settings = this.deps.settings();
      const now = Date.now();
      const batch = this.takeDue(endpoint, now, settings);
      if (batch.length === 0) return;
      if (settings.reorder) shuffle(batch, this.random);
      const retry = batch.some((item) => item.attempts > 0);
      const timeoutMs = retry ? settings.retryTimeoutMs : settings.firstAttemptTimeoutMs;
      const body = JSON.stringify({ value: batch.map((item) => item.payload) });
      this.counters.posts++;
      const answer = await this.deps.trust.post(endpoint.url, body, 'application/json; charset=utf-8', timeoutMs);
      if (this.closed) return;
      const delivered = answer.kind === 'answered' && answer.status >= 200 && answer.status < 300;
      endpoint.throttle.record(
        { retry, late: answer.kind === 'timedOut' || answer.durationMs > settings.firstAttemptTimeoutMs, retryLate: retry && answer.kind === 'timedOut' },
        Date.now(),
      );
      this.log({
        time: new Date().toISOString(),
        url: endpoint.url,
        notifications: batch.length,
        attempt: batch.reduce((most, item) => Math.max(most, item.attempts), 0) + 1,
        outcome: delivered ? 'delivered' : answer.kind === 'answered' ? 'refused' : answer.kind === 'timedOut' ? 'timedOut' : 'unreachable',
        ...(answer.kind === 'answered' ? { status: answer.status } : {}),
        durationMs: answer.durationMs,
      });
      if (delivered) {
        this.counters.delivered += batch.length;
        return;
      }
      // Anything but a timely 2xx: back to the queue with exponential back-off.
      for (const item of batch) {
        item.attempts++;
        item.dueAtMs = Date.now() + Math.min(settings.retryMaxDelayMs, settings.retryInitialDelayMs * 2 ** (item.attempts - 1));
        this.counters.retried++;
        endpoint.items.push(item);
      }
    } finally {
      endpoint.busy = false;
      this.schedule(endpoint);
    }
  }

  /** Removes and returns the due, deliverable notifications (up to a batch); drops the hopeless. */
  private takeDue(endpoint: Endpoint, now: number, settings: NotificationSettings): Outgoing[] {
    const clockNow = this.deps.clockNowMs();
    const batch: Outgoing[] = [];
    const kept: Outgoing[] = [];
    const ordered = [...endpoint.items].sort((a, b) => a.dueAtMs - b.dueAtMs);
    for (const item of ordered) {
      if (item.dueAtMs > now || batch.length >= settings.maxBatchSize) {
        kept.push(item);
        continue;
      }
      if (clockNow - item.createdAtClockMs > settings.giveUpAfterSeconds * 1000) {
        this.counters.expired++;
        continue;
      }
      const deliverability = this.deps.deliverability(item.subscriptionId, item.lifecycle);
      if (deliverability === 'gone') {
        this.counters.droppedSubscriptionGone++;
      } else if (deliverability === 'paused') {
        item.dueAtMs = now + settings.tickMs;
        kept.push(item);
      } else {
        batch.push(item);
      }
    }
    endpoint.items = kept;
    return batch;
  }

  private log(attempt: DeliveryAttempt): void {
    this.attempts.push(attempt);
    if (this.attempts.length > ATTEMPT_LOG_CAPACITY) this.attempts.shift();
  }
}

function emptyCounters(): DeliveryCounters {
  return { enqueued: 0, delivered: 0, lost: 0, duplicated: 0, retried: 0, expired: 0, droppedByThrottling: 0, droppedSubscriptionGone: 0, posts: 0 };
}

function shuffle<T>(items: T[], random: Random): void {
  for (let index = items.length - 1; index > 0; index--) {
    const other = random.int(0, index);
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
}
