import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPORT_BURST, ReportBudget, reportRequestFree, reportWindowMs } from '../activities/graph/reportBudget';
import { createDatabase, type Database } from '../activities/store/database';
import { createTestDatabase } from './support/testDatabase';

// Graph allows 5 report requests per 10 s per app and tenant (docs/graph-behaviour.md). The budget
// lets a burst of 4 go at once, and no 5 slots inside one window of 12.5 s, which leaves a slow
// send 2.5 s of slack. The slots are read back from PostgreSQL, where every process reserves them.

let db: Database;

beforeAll(async () => {
  db = createDatabase(await createTestDatabase(inject('postgresUrl'), 'reportbudget'));
});

afterAll(async () => {
  await db?.end();
});

/** Reserves `count` slots of one app without waiting for them; returns each slot (ms) and the delay asked for. */
async function reserve(app: { tenantId: string; clientId: string }, count: number): Promise<Array<{ slot: number; delayMs: number }>> {
  const reserved: Array<{ slot: number; delayMs: number }> = [];
  for (let i = 0; i < count; i++) {
    let delayMs = 0;
    await new ReportBudget(db, app, async (ms) => void (delayMs = ms)).take();
    const { rows } = await db.query<{ slot: Date }>('select next_at as slot from report_request_slots where tenant_id = $1 and client_id = $2', [app.tenantId, app.clientId]);
    reserved.push({ slot: rows[0]!.slot.getTime(), delayMs });
  }
  return reserved;
}

describe('the reports budget in PostgreSQL', () => {
  it('lets 4 requests go at once, then no 5 slots inside one window', async () => {
    const window = reportWindowMs();
    const reserved = await reserve({ tenantId: 'tenant-burst', clientId: 'client-a' }, 13);

    expect(REPORT_BURST).toBe(4);
    // The first four leave now; none waits.
    expect(reserved.slice(0, 4).map((r) => r.delayMs)).toEqual([0, 0, 0, 0]);
    // Each later slot is exactly one window after the slot four before it, and waited for.
    for (let i = 4; i < reserved.length; i++) {
      expect(reserved[i]!.slot - reserved[i - 4]!.slot).toBe(window);
      expect(reserved[i]!.delayMs).toBeGreaterThan(0);
    }
    // So slots come in bursts of 4, a window apart.
    expect(reserved[12]!.slot - reserved[0]!.slot).toBe(3 * window);
  });

  it('keeps one budget per app and tenant', async () => {
    const first = await reserve({ tenantId: 'tenant-apps', clientId: 'client-a' }, 4);
    const other = await reserve({ tenantId: 'tenant-apps', clientId: 'client-b' }, 4);

    expect([...first, ...other].map((r) => r.delayMs)).toEqual(new Array(8).fill(0));
  });

  it('never reserves before a slot taken under the one-every-2.5-s budget it replaces', async () => {
    // A row an older worker left, its next slot still ahead, and no recent slots (migration 0022).
    await db.query(`insert into report_request_slots (tenant_id, client_id, next_at) values ('tenant-upgrade', 'client-a', clock_timestamp() + interval '2 seconds')`);
    const { rows } = await db.query<{ next: Date }>(`select next_at as next from report_request_slots where tenant_id = 'tenant-upgrade'`);

    const [first] = await reserve({ tenantId: 'tenant-upgrade', clientId: 'client-a' }, 1);

    expect(first!.slot).toBeGreaterThanOrEqual(rows[0]!.next.getTime());
    expect(first!.delayMs).toBeGreaterThan(0);
  });

  it('says a request is free while the burst has room, and not once 4 slots are taken inside the window', async () => {
    const app = { tenantId: 'tenant-free', clientId: 'client-a' };
    // Never used: free.
    expect(await reportRequestFree(db, app)).toBe(true);
    await reserve(app, 3);
    expect(await reportRequestFree(db, app)).toBe(true);
    // The fourth fills the burst: a fifth would wait a window after the first.
    await reserve(app, 1);
    expect(await reportRequestFree(db, app)).toBe(false);
    // Another app of the same tenant keeps its own budget.
    expect(await reportRequestFree(db, { ...app, clientId: 'client-b' })).toBe(true);
  });
});
