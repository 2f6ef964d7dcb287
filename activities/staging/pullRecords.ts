import type { StreamMode } from '../../shared/streams';
import type { Queryable } from '../store/database';

/** What a finished pull leaves in its sync_run_streams row; finalize commits cursors and watermarks from it. */
export type PullRecord = {
  pages: number;
  staged: number;
  requests: number;
  throttled: number;
  /** JSON batch sub-requests; only batched streams send them. */
  subRequests?: number;
  /** Delta streams: the mode the pull ended in (a resync turns incremental into bootstrap), and why. */
  mode?: StreamMode;
  resyncReason?: string | null;
  deltaLink?: string | null;
  /** Audit events: the newest event fetched. */
  watermark?: string | null;
  /** Discovery sources: whether the tenant could offer them, and why not. */
  coverage?: 'complete' | 'unavailable';
  coverageReason?: string;
};

/** Records a finished pull of any stream; the planned mode stays unless the pull changed it. */
export async function recordPull(db: Queryable, syncRunId: number, stream: string, pull: PullRecord): Promise<void> {
  await db.query(
    `update sync_run_streams set mode = coalesce($3, mode), resync_reason = $4, delta_link = $5, watermark = $6,
            coverage = $7, coverage_reason = $8, pages = $9, requests = $10, throttled = $11, staged = $12,
            sub_requests = $13, pulled_at = now()
      where run_id = $1 and stream = $2`,
    [
      syncRunId,
      stream,
      pull.mode ?? null,
      pull.resyncReason ?? null,
      pull.deltaLink ?? null,
      pull.watermark ?? null,
      pull.coverage ?? null,
      pull.coverageReason ?? null,
      pull.pages,
      pull.requests,
      pull.throttled,
      pull.staged,
      pull.subRequests ?? 0,
    ],
  );
}

/**
 * What a finished pull of the run recorded, or nothing while it has not finished: a pull the run
 * already finished (before a crash's retry or a reset) is not read again.
 */
export async function finishedPull(db: Queryable, syncRunId: number, stream: string): Promise<PullRecord | undefined> {
  const { rows } = await db.query(
    `select pages, staged, requests, throttled, sub_requests as "subRequests", mode, resync_reason as "resyncReason",
            delta_link as "deltaLink", watermark, coverage, coverage_reason as "coverageReason"
       from sync_run_streams where run_id = $1 and stream = $2 and pulled_at is not null`,
    [syncRunId, stream],
  );
  const row = rows[0];
  return row ? { ...row, watermark: row.watermark instanceof Date ? row.watermark.toISOString() : row.watermark } : undefined;
}

/** What a stream's Graph calls cost: pages read, HTTP requests, batch sub-requests, and 429s among both. */
export type StreamTraffic = { pages: number; requests: number; subRequests: number; throttled: number };

/** Adds traffic to a stream several activities share (the reconcile shards of owners and assignments). */
export async function addStreamTraffic(db: Queryable, syncRunId: number, traffic: Record<string, StreamTraffic>): Promise<void> {
  const streams = Object.keys(traffic);
  const column = (key: keyof StreamTraffic) => streams.map((s) => traffic[s]![key]);
  await db.query(
    `update sync_run_streams r set pages = r.pages + t.pages, requests = r.requests + t.requests,
            sub_requests = r.sub_requests + t.sub_requests, throttled = r.throttled + t.throttled
       from unnest($2::text[], $3::int[], $4::int[], $5::int[], $6::int[]) t(stream, pages, requests, sub_requests, throttled)
      where r.run_id = $1 and r.stream = t.stream`,
    [syncRunId, streams, column('pages'), column('requests'), column('subRequests'), column('throttled')],
  );
}
