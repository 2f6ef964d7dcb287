/** Targets per reconcile shard while a run has few: one shard's share of a small tenant. */
export const SHARD_SIZE = 500;

/**
 * Most reconcile shards one run starts. The workflow starts them all at once and each holds its
 * own batches, Graph sessions and pacer, while their total pace is the tenant's budget whatever
 * their number: more shards only cost worker memory (89 at 1,000,000 users before this bound;
 * docs/benchmarks-history.md, "Worker memory at 100,000 users").
 */
export const MAX_SHARDS = 10;

/** Targets per shard for a run that reconciles `targets`: 500, or more when that would exceed MAX_SHARDS shards. */
export function shardSize(targets: number): number {
  return Math.max(SHARD_SIZE, Math.ceil(targets / MAX_SHARDS));
}

/** How many shards a run that reconciles `targets` has (at least one, so it can deal targets out). */
export function shardsFor(targets: number): number {
  return Math.max(1, Math.ceil(targets / shardSize(targets)));
}
