import type { SubscriptionSecret } from '../activities/store/notificationSubscriptions';

export type LookupResult = { kind: 'known'; secret: SubscriptionSecret } | { kind: 'unknown' } | { kind: 'unavailable'; error: Error };

export type SubscriptionCacheOptions = {
  /** Reads one subscription from PostgreSQL; undefined when none is recorded. */
  load: (subscriptionId: string) => Promise<SubscriptionSecret | undefined>;
  /** How long a found subscription is trusted before it is read again. */
  knownTtlMs: number;
  /** How long "no such subscription" is trusted (a new subscription must be found soon). */
  unknownTtlMs: number;
  /** The longest one read may take: past it, the request is answered from what is cached. */
  timeoutMs: number;
  now?: () => number;
};

type Entry = { value: SubscriptionSecret | undefined; fetchedAt: number };

/**
 * Subscription lookups with a short cache, so a burst of notifications costs PostgreSQL one read
 * per subscription. When PostgreSQL is slow or down, a subscription read before keeps being
 * answered from its last known value (stale), so notifications for it are still accepted and
 * spooled; only a subscription never seen cannot be checked and is answered "unavailable".
 */
export class SubscriptionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Entry>>();
  private readonly now: () => number;

  constructor(private readonly options: SubscriptionCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  async lookup(subscriptionId: string): Promise<LookupResult> {
    const cached = this.entries.get(subscriptionId);
    if (cached && this.fresh(cached)) return result(cached);
    try {
      return result(await this.refresh(subscriptionId));
    } catch (err) {
      if (cached?.value) return result(cached);
      return { kind: 'unavailable', error: err as Error };
    }
  }

  /** Forgets everything (a subscription deleted or re-keyed is read again). */
  clear(): void {
    this.entries.clear();
  }

  private fresh(entry: Entry): boolean {
    return this.now() - entry.fetchedAt < (entry.value ? this.options.knownTtlMs : this.options.unknownTtlMs);
  }

  private refresh(subscriptionId: string): Promise<Entry> {
    let pending = this.inFlight.get(subscriptionId);
    if (!pending) {
      pending = withTimeout(this.options.load(subscriptionId), this.options.timeoutMs)
        .then((value) => {
          const entry = { value, fetchedAt: this.now() };
          this.entries.set(subscriptionId, entry);
          return entry;
        })
        .finally(() => this.inFlight.delete(subscriptionId));
      this.inFlight.set(subscriptionId, pending);
    }
    return pending;
  }
}

const result = (entry: Entry): LookupResult => (entry.value ? { kind: 'known', secret: entry.value } : { kind: 'unknown' });

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`PostgreSQL did not answer the subscription lookup within ${ms} ms`)), ms);
  });
  // The slow read keeps going; its late answer is dropped (no unhandled rejection).
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
