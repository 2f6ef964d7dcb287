import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../shared/config';

vi.mock('node:v8', async (original) => ({ ...(await original<typeof import('node:v8')>()), setFlagsFromString: vi.fn() }));
const { setFlagsFromString } = await import('node:v8');
const { limitHeapGrowth } = await import('../../workers/heapGrowth');

afterEach(() => vi.mocked(setFlagsFromString).mockClear());

describe("the worker's heap growth (ENTRA_WORKER_HEAP_GROWTH_PERCENT)", () => {
  it('is 20% by default, set by the variable, 0 to leave it to V8, and refuses nonsense naming the variable', () => {
    expect(loadConfig({}).workerHeapGrowthPercent).toBe(20);
    expect(loadConfig({ ENTRA_WORKER_HEAP_GROWTH_PERCENT: '50' }).workerHeapGrowthPercent).toBe(50);
    expect(loadConfig({ ENTRA_WORKER_HEAP_GROWTH_PERCENT: '0' }).workerHeapGrowthPercent).toBe(0);
    expect(() => loadConfig({ ENTRA_WORKER_HEAP_GROWTH_PERCENT: 'small' })).toThrowError(/ENTRA_WORKER_HEAP_GROWTH_PERCENT="small" must be a whole number of at least 0/);
    expect(() => loadConfig({ ENTRA_WORKER_HEAP_GROWTH_PERCENT: '-5' })).toThrowError(/ENTRA_WORKER_HEAP_GROWTH_PERCENT="-5"/);
  });

  it("reaches V8 as its heap growing factor, and 0 leaves V8's own untouched", () => {
    limitHeapGrowth(loadConfig({ ENTRA_WORKER_HEAP_GROWTH_PERCENT: '35' }).workerHeapGrowthPercent);
    expect(setFlagsFromString).toHaveBeenCalledExactlyOnceWith('--heap-growing-percent=35');
    vi.mocked(setFlagsFromString).mockClear();
    limitHeapGrowth(0);
    expect(setFlagsFromString).not.toHaveBeenCalled();
  });
});
