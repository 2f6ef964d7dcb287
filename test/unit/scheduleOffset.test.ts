import { describe, expect, it } from 'vitest';
import { scheduleOffsetMs } from '../../client/scheduleOffset';

describe('scheduleOffsetMs', () => {
  const ids = Array.from({ length: 50 }, (_, i) => `connector-${i + 1}`);

  it('is a whole second within the interval, the same every time for a connector', () => {
    for (const id of ids) {
      const offset = scheduleOffsetMs(id, 60_000);
      expect(offset % 1000).toBe(0);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(60_000);
      expect(scheduleOffsetMs(id, 60_000)).toBe(offset);
    }
    expect(scheduleOffsetMs('connector-1', 500)).toBe(0);
  });

  it('spreads 50 connectors on a one-minute interval over the minute instead of one second', () => {
    const perSecond = new Map<number, number>();
    for (const id of ids) perSecond.set(scheduleOffsetMs(id, 60_000), (perSecond.get(scheduleOffsetMs(id, 60_000)) ?? 0) + 1);
    expect(perSecond.size).toBeGreaterThanOrEqual(25);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(5);
  });
});
