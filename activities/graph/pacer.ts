/**
 * A token bucket that keeps requests under a share of the tenant's throttling budget, so a
 * reconciliation flows steadily instead of bouncing off 429s. `take` waits through `wait`, which
 * heartbeats, when the bucket is empty.
 */
export class Pacer {
  private tokens: number;
  private last = Date.now();
  /** Concurrent callers take in turn, so none draws on tokens another is already waiting for. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly wait: (ms: number) => Promise<void>,
  ) {
    this.tokens = burst;
  }

  take(n: number): Promise<void> {
    const turn = this.queue.then(() => this.takeNow(n));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeNow(n: number): Promise<void> {
    this.refill();
    if (this.tokens < n) {
      await this.wait(((n - this.tokens) / this.perSecond) * 1000);
      this.refill();
    }
    this.tokens -= n;
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }
}

/** Resource units per 10 s that Graph grants an app in a tenant of this many users (docs/graph-behaviour.md). */
export function tenantBudgetPer10s(users: number): number {
  return users < 50 ? 3_500 : users <= 500 ? 5_000 : 8_000;
}
