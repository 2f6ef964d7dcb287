import type { Queryable } from '../store/database';

/**
 * Graph's reports limit: 5 requests per 10 s per app and tenant, directoryAudits and signIns
 * together (docs/graph-behaviour.md, "Throttling"). Up to 5 requests go at once; the next waits
 * until the oldest of the last 5 is a window behind it.
 */
export const REPORT_REQUESTS_PER_WINDOW = 5;
export const REPORT_WINDOW_MS = 10_000;
/**
 * Added to the window: a request reaches Graph some time after its slot (a token to fetch, a
 * connection to open, a busy event loop), and Graph counts arrivals. With 2 s of slack no 10 s
 * window of arrivals holds more than 5 unless a request is more than 2 s late.
 */
export const REPORT_SEND_SLACK_MS = 2_000;

export type ReportApp = { tenantId: string; clientId: string };

/**
 * The reports budget of one app and tenant, shared by every worker process through PostgreSQL.
 * `take` reserves a slot in one atomic upsert (the row lock orders concurrent callers, each sees
 * the slots of those before it): the later of now, the latest slot handed out, and the 5th latest
 * slot plus the window. It then waits, heartbeating through `wait`, until the slot comes. Slots
 * are read from the database's clock, so the processes' clocks need not agree.
 */
export class ReportBudget {
  constructor(
    private readonly db: Queryable,
    private readonly app: ReportApp,
    private readonly wait: (ms: number) => Promise<void>,
  ) {}

  async take(): Promise<void> {
    const { rows } = await this.db.query<{ delay_ms: number }>(
      `with now as (select clock_timestamp() as at)
       insert into report_request_slots as s (tenant_id, client_id, next_at, recent)
       select $1, $2, now.at, array[now.at] from now
       on conflict (tenant_id, client_id) do update
         set (next_at, recent) = (
           select slot.at, (s.recent || slot.at)[greatest(1, cardinality(s.recent) + 2 - $3::int):]
             from (select greatest(
                     clock_timestamp(),
                     s.next_at,
                     s.recent[cardinality(s.recent) + 1 - $3::int] + $4 * interval '1 millisecond'
                   ) as at) slot)
       returning greatest(0, extract(epoch from (s.next_at - clock_timestamp())) * 1000)::float8 as delay_ms`,
      [this.app.tenantId.toLowerCase(), this.app.clientId.toLowerCase(), REPORT_REQUESTS_PER_WINDOW, REPORT_WINDOW_MS + REPORT_SEND_SLACK_MS],
    );
    const delay = rows[0]?.delay_ms ?? 0;
    if (delay > 0) await this.wait(delay);
  }
}
