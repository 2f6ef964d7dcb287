import { setFlagsFromString } from 'node:v8';

/**
 * Bounds how far the worker's JavaScript heap grows past what survived its last full garbage
 * collection before it collects again (ENTRA_WORKER_HEAP_GROWTH_PERCENT; 0 leaves it to V8).
 *
 * What a worker keeps is small and does not grow with the tenant: a page or a batch answer is
 * garbage once staged. V8's own choice lets the heap grow up to four times what survived when a
 * process allocates fast, as a pull does, so the worker's peak was mostly garbage not yet collected
 * (docs/benchmarks-history.md, "Worker memory at 100,000 users"). V8 reads this flag at every collection,
 * so setting it at start, before the first run, takes effect; the cost is more frequent full
 * collections of a heap that stays small.
 */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
