import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pacer, tenantBudgetPer10s } from '../../activities/graph/pacer';

// The pacer reads Date.now(); only the clock is faked, and every wait moves it on by exactly
// what was asked, so each step below is deterministic.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function pacedBy(make: (wait: (ms: number) => Promise<void>) => Pacer) {
  const waits: number[] = [];
  const pacer = make(async (ms) => {
    waits.push(ms);
    vi.advanceTimersByTime(ms);
  });
  /** Times (ms) at which `count` takes of `n` went through. */
  const takeTimes = async (count: number, n = 1) => {
    const at: number[] = [];
    for (let i = 0; i < count; i++) {
      await pacer.take(n);
      at.push(Date.now());
    }
    return at;
  };
  return { pacer, waits, takeTimes };
}

describe('Pacer', () => {
  it('lets a full burst through without waiting, then waits exactly for the missing tokens', async () => {
    const { pacer, waits } = pacedBy((wait) => new Pacer(2, 4, wait));
    await pacer.take(4);
    expect(waits).toEqual([]);
    await pacer.take(1);
    expect(waits).toEqual([500]); // one token at 2 per second
    await pacer.take(3);
    expect(waits).toEqual([500, 1_500]);
  });

  it('refills with elapsed time, never above the burst', async () => {
    const { pacer, waits } = pacedBy((wait) => new Pacer(2, 4, wait));
    await pacer.take(4);
    vi.advanceTimersByTime(1_000);
    await pacer.take(2);
    expect(waits).toEqual([]);
    vi.advanceTimersByTime(3_600_000);
    await pacer.take(5);
    expect(waits).toEqual([500]); // an hour idle still leaves only the burst of 4
  });

  it('holds a long run to its rate', async () => {
    const { takeTimes } = pacedBy((wait) => new Pacer(10, 20, wait));
    const at = await takeTimes(220, 1);
    // 20 at once, then 200 more at 10 per second.
    expect(at.at(-1)).toBeCloseTo(20_000, -1);
  });

  it('holds concurrent takers (a shard\'s batches in flight) to the same rate as one taker', async () => {
    const { pacer, waits } = pacedBy((wait) => new Pacer(10, 20, wait));
    const at: number[] = [];
    // 4 lanes of 20-request batches, 11 batches in all: 220 tokens.
    let left = 11;
    const lane = async () => {
      while (left-- > 0) {
        await pacer.take(20);
        at.push(Date.now());
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
    expect(at).toHaveLength(11);
    // The burst of 20 at once, then 200 tokens at 10 per second, whatever the interleaving.
    expect(Math.max(...at)).toBeCloseTo(20_000, -1);
    expect(waits.every((ms) => ms <= 2_000 + 1)).toBe(true);
  });
});

describe('tenantBudgetPer10s', () => {
  // Identity and access service limits: resource units per 10 s per app and tenant, by tenant size.
  it.each([
    [1, 3_500],
    [49, 3_500],
    [50, 5_000],
    [500, 5_000],
    [501, 8_000],
    [100_000, 8_000],
  ])('%i users -> %i', (users, budget) => {
    expect(tenantBudgetPer10s(users)).toBe(budget);
  });
});
