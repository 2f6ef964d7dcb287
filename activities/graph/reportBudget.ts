import type { Queryable } from '../store/database';

/**
 * Graph's reports limit is 5 requests per 10 s per app and tenant, directoryAudits and signIns
 * together (docs/graph-behaviour.md). The budget lets at most REPORT_BURST requests take slots
 * inside any REPORT_WINDOW_MS: 4 in 12.5 s. A request that leaves up to 2.5 s after its slot (a busy
 * event loop, a slow connection) still leaves any 10 s window at Graph with 4 or fewer, under
 * every reading of "per 10 s" (fixed windows, a sliding window, a leaky bucket), so the budget holds
 * without ever meeting a 429; and a run's first few report requests need not wait at all.
 */
export const REPORT_BURST = 4;
export const REPORT_WINDOW_MS = 12_500;

/**
 * Test-only: a factor in (0, 1] the window is multiplied by. Tests that are not about pacing set
 * it together with a simulator reports window shortened by the same factor (docs/testing.md), so
 * the limit is as strict relative to the connector's pace as Graph's. Unset outside tests.
 */
export const REPORT_PACE_VARIABLE = 'ENTRA_SYNC_TEST_REPORT_PACE';

/** The window in force: Graph's, or scaled by ENTRA_SYNC_TEST_REPORT_PACE. */
export function reportWindowMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[REPORT_PACE_VARIABLE];
  if (raw === undefined || raw === '') return REPORT_WINDOW_MS;
  const factor = Number(raw);
  if (!(factor > 0 && factor <= 1)) {
    throw new RangeError(`${REPORT_PACE_VARIABLE} must be a number above 0 and at most 1 (a test's speed-up of the reports pace), not "${raw}"; unset it outside tests`);
  }
  return REPORT_WINDOW_MS * factor;
}

export type ReportApp = { tenantId: string; clientId: string };

/**
 * The reports budget of one app and tenant, shared by every worker process through PostgreSQL:
 * `take` reserves the next free slot in one atomic statement (the row lock orders concurrent
 * callers) and waits, heartbeating through `wait`, until it comes. A slot is never before the
 * latest one reserved, nor less than a window after the slot reserved REPORT_BURST reservations
 * before it.
 * Slots are read from the database's clock, so the processes' clocks need not agree.
 */
export class ReportBudget {
  constructor(
    private readonly db: Queryable,
    private readonly app: ReportApp,
    private readonly wait: (ms: number) => Promise<void>,
  ) {}

  async take(): Promise<void> {
    // $3 window (ms), $4 burst. recent holds the last $4 slots reserved, oldest first.
    const slot = `greatest(clock_timestamp(), s.next_at, s.recent[cardinality(s.recent) - ($4 - 1)] + $3 * interval '1 millisecond')`;
    const { rows } = await this.db.query<{ delay_ms: number }>(
      `insert into report_request_slots as s (tenant_id, client_id, next_at, recent)
       select $1, $2, now.at, array[now.at] from (select clock_timestamp() as at) now
       on conflict (tenant_id, client_id) do update
         set next_at = ${slot}, recent = s.recent[greatest(1, cardinality(s.recent) - ($4 - 2)):] || ${slot}
       returning greatest(0, extract(epoch from (next_at - clock_timestamp())) * 1000)::float8 as delay_ms`,
      [this.app.tenantId.toLowerCase(), this.app.clientId.toLowerCase(), reportWindowMs(), REPORT_BURST],
    );
    const delay = rows[0]?.delay_ms ?? 0;
    if (delay > 0) await this.wait(delay);
  }
}

/**
 * Whether a report request of this app and tenant would leave now, without waiting for a slot:
 * the slot `take` would reserve is not in the future. It reads the same row every worker process
 * reserves in, so it sees their reservations (full runs' and other passes' audit pulls, sign-ins).
 * A look, not a reservation: a request another process reserves between this look and the
 * caller's first `take` makes that request wait for the next slot, as any report request does.
 */
export async function reportRequestFree(db: Queryable, app: ReportApp): Promise<boolean> {
  const { rows } = await db.query<{ free: boolean }>(
    `select greatest(s.next_at, s.recent[cardinality(s.recent) - ($4 - 1)] + $3 * interval '1 millisecond') <= clock_timestamp() as free
       from report_request_slots s where tenant_id = $1 and client_id = $2`,
    [app.tenantId.toLowerCase(), app.clientId.toLowerCase(), reportWindowMs(), REPORT_BURST],
  );
  // No row: the app never sent a report request.
  return rows[0]?.free ?? true;
}
