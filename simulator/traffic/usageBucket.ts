/**
 * Usage of one throttling scope, as a leaky token bucket: usage drains at `limit` per window,
 * continuously. The limit is passed per call because it can change under a running bucket
 * (tenant-size tier, control API), and usage carries over.
 */
export class UsageBucket {
  private used = 0;
  private updatedAt: number;

  constructor(now: number) {
    this.updatedAt = now;
  }

  /** Usage as a fraction of the limit (1 = exhausted; above 1 while throttled requests keep coming). */
  usedFraction(limit: number, windowMs: number, now: number): number {
    return this.drain(limit, windowMs, now) / limit;
  }

  /** Whether `cost` more fits under the limit now. A full bucket always admits, so a cost above the limit cannot lock a caller out for good. */
  admits(cost: number, limit: number, windowMs: number, now: number): boolean {
    const used = this.drain(limit, windowMs, now);
    return used === 0 || used + cost <= limit;
  }

  /**
   * Adds `cost` to the usage, admitted or not: Graph counts throttled requests too, so a client
   * that ignores Retry-After only pushes its recovery further out. Capped at 1.8 x limit, the
   * highest `x-ms-throttle-limit-percentage` Graph documents.
   */
  spend(cost: number, limit: number, windowMs: number, now: number): void {
    this.used = Math.min(this.drain(limit, windowMs, now) + cost, MAX_USED_FRACTION * limit);
  }

  /** Milliseconds until `cost` more fits under the limit. */
  waitMs(cost: number, limit: number, windowMs: number, now: number): number {
    const used = this.drain(limit, windowMs, now);
    // Admitted once the excess has drained, or once the bucket is empty, whichever comes first.
    const excess = Math.min(used + cost - limit, used);
    return Math.max(0, (excess * windowMs) / limit);
  }

  private drain(limit: number, windowMs: number, now: number): number {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.used = Math.max(0, this.used - (elapsed * limit) / windowMs);
    this.updatedAt = Math.max(now, this.updatedAt);
    return this.used;
  }
}

const MAX_USED_FRACTION = 1.8;
