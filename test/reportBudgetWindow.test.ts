import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ReportBudget } from '../activities/graph/reportBudget';
import { createTestDatabase } from './support/testDatabase';

// The slots the reports budget hands out, straight from PostgreSQL: Graph allows 5 report requests
// per 10 s per app and tenant (docs/graph-behaviour.md, "Throttling"), so 5 go at once and the
// next 5 wait for the window (10 s, plus the budget's 2 s of send slack). Waits are recorded,
// not slept, so nothing here depends on the machine's speed.

const APP = { tenantId: '11111111-1111-1111-1111-111111111111', clientId: '22222222-2222-2222-2222-222222222222' };
const WINDOW_MS = 10_000;

let pools: pg.Pool[];

beforeAll(async () => {
  const url = await createTestDatabase(inject('postgresUrl'), 'budget');
  // Separate pools stand for separate worker processes.
  pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: url, max: 4 }));
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
});

describe('the reports budget window', () => {
  it('lets 5 requests go at once, holds the next 5 a window back and the 11th two windows, across processes', async () => {
    const waits: number[] = [];
    const takers = Array.from({ length: 11 }, (_, i) => new ReportBudget(pools[i % pools.length]!, APP, async (ms) => void waits.push(ms)));

    await Promise.all(takers.map((budget) => budget.take()));

    const sorted = [...waits, ...Array<number>(11 - waits.length).fill(0)].sort((a, b) => a - b);
    // The first 5 do not wait (a few ms of clock between reservation and return at most).
    expect(sorted.slice(0, 5).every((ms) => ms < 1_000)).toBe(true);
    // Each later slot is at least a window after the slot 5 before it: no 10 s hold a 6th.
    for (let i = 5; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 5]!).toBeGreaterThanOrEqual(WINDOW_MS);
    // And no more than the window and its slack: the burst is spent, not spaced out.
    expect(sorted[5]!).toBeLessThan(WINDOW_MS + 3_000);
    expect(sorted[10]!).toBeLessThan(2 * (WINDOW_MS + 3_000));
  });

  it('keeps apps apart: another client of the tenant has its own 5', async () => {
    const waits: number[] = [];
    const other = { ...APP, clientId: '33333333-3333-3333-3333-333333333333' };
    await Promise.all(Array.from({ length: 5 }, (_, i) => new ReportBudget(pools[i % pools.length]!, other, async (ms) => void waits.push(ms)).take()));
    expect(waits.filter((ms) => ms >= 1_000)).toEqual([]);
  });
});
