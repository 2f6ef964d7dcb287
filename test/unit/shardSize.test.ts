import { describe, expect, it } from 'vitest';
import { shardSize, shardsFor } from '../../activities/staging/shardSize';

describe('reconcile shards of one run', () => {
  it('are 500 targets each up to ten shards, as before: 4,440 targets (100,000 users) make 9', () => {
    expect(shardSize(1)).toBe(500);
    expect(shardsFor(0)).toBe(1);
    expect(shardsFor(1)).toBe(1);
    expect(shardsFor(500)).toBe(1);
    expect(shardsFor(501)).toBe(2);
    expect(shardsFor(4_440)).toBe(9);
    expect(shardsFor(5_000)).toBe(10);
  });

  it('never number more than ten, however many targets: 44,041 (1,000,000 users) make 10, not 89', () => {
    expect(shardsFor(5_001)).toBe(10);
    expect(shardsFor(44_041)).toBe(10);
    expect(shardSize(44_041)).toBe(4_405);
    for (let targets = 1; targets <= 2_000_000; targets = Math.ceil(targets * 1.37)) {
      expect(shardsFor(targets)).toBeLessThanOrEqual(10);
      // Dealt out in turn, no shard holds more than its size: the shards together hold them all.
      expect(Math.ceil(targets / shardsFor(targets))).toBeLessThanOrEqual(shardSize(targets));
    }
  });
});
