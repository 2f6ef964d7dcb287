import type { StreamMode } from '../../shared/streams';
import type { Queryable } from '../store/database';

export type StreamSummary = {
  mode: StreamMode;
  upserted: number;
  removed: number;
  pages: number;
  /** HTTP requests to Microsoft Graph; a $batch counts once. */
  requests: number;
  /** Sub-requests inside JSON batches (owners, app role assignments). */
  subRequests: number;
  /** 429 answers, to requests and to sub-requests. */
  throttled: number;
  resyncReason?: string;
  /**
   * Whether the run could read the stream, and why not: a source the tenant cannot offer, or a
   * tail pass's credential audit log deferred for want of a free report request (never pulled).
   */
  coverage?: 'complete' | 'unavailable';
  coverageReason?: string;
  /**
   * Audit events: how far behind the run's upper bound each query's forward read is after the run,
   * in seconds (0: caught up; more: the page budget cut its read short, it continues next run).
   */
  auditLagSeconds?: Record<string, number>;
};

/** An app or service principal whose owners and assignments the run could not read (docs/inventory.md). */
export type UnreadTarget = {
  objectType: 'application' | 'servicePrincipal';
  objectId: string;
  kind: 'forbidden' | 'notFound';
  message: string;
  /** Consecutive failed reads. */
  failures: number;
  /** This run tried it and failed; false: it waits for its retry. */
  attempted: boolean;
  retryAt: string;
};

export type RunSummary = {
  syncRunId: number;
  status: 'succeeded';
  /** Pulled streams (users, groups, ...) and what finalize derived (memberships, credentials). */
  streams: Record<string, StreamSummary>;
  /** Targets whose owners and assignments are kept as last read, because reading them failed; absent when none. */
  unreadTargets?: UnreadTarget[];
};

export async function readRunSummary(db: Queryable, syncRunId: number): Promise<RunSummary> {
  const { rows } = await db.query(
    `select stream, mode, upserted, removed, pages, requests, sub_requests as "subRequests", throttled, resync_reason as "resyncReason",
            coverage, coverage_reason as "coverageReason", audit_lag as "auditLag"
       from sync_run_streams where run_id = $1 order by derived_from nulls first, stream`,
    [syncRunId],
  );
  const streams: Record<string, StreamSummary> = {};
  for (const r of rows) {
    streams[r.stream] = {
      mode: r.mode,
      upserted: r.upserted ?? 0,
      removed: r.removed ?? 0,
      pages: r.pages,
      requests: r.requests,
      subRequests: r.subRequests,
      throttled: r.throttled,
      ...(r.resyncReason ? { resyncReason: r.resyncReason } : {}),
      ...(r.coverage ? { coverage: r.coverage } : {}),
      ...(r.coverageReason ? { coverageReason: r.coverageReason } : {}),
      ...(r.auditLag ? { auditLagSeconds: r.auditLag } : {}),
    };
  }
  const unread = await db.query<UnreadTarget & { retryAt: Date }>(
    `select object_type as "objectType", object_id as "objectId", kind, message, failures, attempted, retry_at as "retryAt"
       from sync_run_reconcile_failures where run_id = $1 order by object_type, object_id`,
    [syncRunId],
  );
  const unreadTargets = unread.rows.map((r) => ({ ...r, retryAt: new Date(r.retryAt).toISOString() }));
  return { syncRunId, status: 'succeeded', streams, ...(unreadTargets.length ? { unreadTargets } : {}) };
}
