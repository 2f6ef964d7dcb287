import type { Queryable } from '../store/database';

/**
 * Graph's reports limit is 5 requests per 10 s per app and tenant, directoryAudits and signIns
 * together (docs/graph-behaviour.md). One request every 2.5 s keeps any 10 s window at 4 or
 * fewer even when a request leaves up to 2.5 s after its slot (a busy event loop, a slow
 * connection), so the budget holds without ever meeting a 429.
 */
export const REPORT_REQUEST_SPACING_MS = 2_500;

/**
 * Test-only: a factor in (0, 1] the spacing is multiplied by. Tests that are not about pacing set
 * it together with a simulator reports window shortened by the same factor (docs/testing.md), so
 * the limit is as strict relative to the connector's pace as Graph's. Unset outside tests.
 */
export const REPORT_PACE_VARIABLE = 'ENTRA_SYNC_TEST_REPORT_PACE';

/** The spacing in force: Graph's, or scaled by ENTRA_SYNC_TEST_REPORT_PACE. */
export function reportRequestSpacingMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[REPORT_PACE_VARIABLE];
  if (raw === undefined || raw === '') return REPORT_REQUEST_SPACING_MS;
  const factor = Number(raw);
  if (!(factor > 0 && factor <= 1)) {
    throw new RangeError(`${REPORT_PACE_VARIABLE} must be a number above 0 and at most 1 (a test's speed-up of the reports pace), not "${raw}"; unset it outside tests`);
  }
  return REPORT_REQUEST_SPACING_MS * factor;
}

export type ReportApp = { tenantId: string; clientId: string };

/**
 * The reports budget of one app and tenant, shared by every worker process through PostgreSQL:
 * `take` reserves the next free slot in one atomic statement (the row lock orders concurrent
 * callers) and waits, heartbeating through `wait`, until it comes. Slots are read from the
 * database's clock, so the processes' clocks need not agree.
 */
export class ReportBudget {
  constructor(
    private readonly db: Queryable,
    private readonly app: ReportApp,
    private readonly wait: (ms: number) => Promise<void>,
  ) {}

  async take(): Promise<void> {
    const { rows } = await this.db.query<{ delay_ms: number }>(
      `insert into report_request_slots as s (tenant_id, client_id, next_at)
       values ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
       on conflict (tenant_id, client_id) do update
         set next_at = greatest(s.next_at, clock_timestamp()) + $3 * interval '1 millisecond'
       returning greatest(0, extract(epoch from (next_at - $3 * interval '1 millisecond' - clock_timestamp())) * 1000)::float8 as delay_ms`,
      [this.app.tenantId.toLowerCase(), this.app.clientId.toLowerCase(), reportRequestSpacingMs()],
    );
    const delay = rows[0]?.delay_ms ?? 0;
    if (delay > 0) await this.wait(delay);
  }
}
