/**
 * The tenant's idea of "now": real time plus an offset tests move forward, so what Microsoft
 * ages by days (delta tokens, client secrets, certificates) can age in a test without waiting.
 * Access tokens and throttling stay on real time: the connector's own clock ages those.
 */
export class SimulatorClock {
  private offsetMs = 0;
  private readonly listeners = new Set<(now: Date) => void>();

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** Moves the clock forward (never back: delta tokens and expiries must not grow younger). */
  advance(seconds: number): Date {
    if (!(seconds >= 0)) throw new RangeError('the simulator clock only moves forward: give seconds >= 0');
    this.offsetMs += seconds * 1000;
    const now = this.now();
    // What ages on this clock (subscriptions) is looked at at once, not at the next timer tick.
    for (const listener of this.listeners) listener(now);
    return now;
  }

  /** Calls `listener` after every advance; returns the unsubscribe function. */
  onAdvance(listener: (now: Date) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** How far ahead of real time the clock runs. */
  get aheadSeconds(): number {
    return this.offsetMs / 1000;
  }
}
