import type { TenantIdentity } from '../tenant/tenantStore';
import type { UserProperties } from '../model/userResource';
import type { Random } from './random';

export const DAY_MS = 86_400_000;

/** What every part of the tenant generator shares. */
export interface GenerationContext {
  seed: number;
  identity: TenantIdentity;
  /** The instant "recent" history is relative to (credential expiry, 30 days of logs). */
  anchor: number;
  users: readonly UserProperties[];
  /** Active member (non-guest, enabled) users: admins, owners and consenters come from here. */
  staff: readonly UserProperties[];
}

/** A list read by position: an array, or a view of one that is not worth copying. */
export interface Indexed<T> {
  readonly length: number;
  at(index: number): T | undefined;
}

/** k distinct items drawn uniformly (k clamped to the list length). */
export function sample<T>(random: Random, items: Indexed<T>, count: number): T[] {
  const k = Math.min(count, items.length);
  if (k <= 0) return [];
  if (k * 3 > items.length) {
    // Dense: partial Fisher-Yates over indices.
    const indices = Array.from({ length: items.length }, (_, index) => index);
    for (let i = 0; i < k; i++) {
      const j = random.int(i, indices.length - 1);
      [indices[i], indices[j]] = [indices[j] as number, indices[i] as number];
    }
    return indices.slice(0, k).map((index) => items.at(index) as T);
  }
  const chosen = new Set<number>();
  while (chosen.size < k) chosen.add(random.int(0, items.length - 1));
  return [...chosen].map((index) => items.at(index) as T);
}

/** Pareto-distributed integer >= minimum: most values small, a few huge. */
export function heavyTailed(random: Random, minimum: number, alpha: number, maximum: number): number {
  const value = Math.floor(minimum / Math.pow(1 - random.next(), 1 / alpha));
  return Math.max(minimum, Math.min(maximum, value));
}

/** ISO date-time with milliseconds, as Graph renders log timestamps. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
