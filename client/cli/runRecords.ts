import type { RunStatus } from '../../activities/store/runs';
import type { Queryable } from '../../activities/store/database';

export type RunRow = {
  id: number;
  connectorId: string;
  workflowId: string;
  workflowRunId: string;
  /** full, or tail (a tail pass). */
  kind: string;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  errorKind: string | null;
  errorMessage: string | null;
  upserted: number;
  removed: number;
  /** Tables a first bootstrap built while it pulled and swapped in at its commit (docs/bootstrap-swap.md); null: merged from staging. */
  builtTables: string[] | null;
};

export type RunStreamRow = {
  stream: string;
  mode: string;
  derivedFrom: string | null;
  pages: number;
  requests: number;
  subRequests: number;
  throttled: number;
  staged: number;
  upserted: number | null;
  removed: number | null;
  resyncReason: string | null;
  pulledAt: Date | null;
  /** Why the run could not read the stream (a source the tenant cannot offer, a tail pass's deferred audit log); null: it read it. */
  coverageReason: string | null;
  /** Audit events: seconds each query's forward read is behind the run's bound (activities/finalize/applyAuditEvents.ts). */
  auditLag: Record<string, number> | null;
};

const RUN_SELECT = `
  select r.id::int as id, r.connector_id as "connectorId", r.workflow_id as "workflowId", r.workflow_run_id as "workflowRunId",
         r.kind, r.status, r.started_at as "startedAt", r.finished_at as "finishedAt",
         (extract(epoch from (r.finished_at - r.started_at)) * 1000)::bigint as "durationMs",
         r.error_kind as "errorKind", r.error_message as "errorMessage", r.built_tables as "builtTables",
         -- Directory objects only: derived rows (memberships, credentials) count relationships.
         coalesce((select sum(s.upserted) from sync_run_streams s where s.run_id = r.id and s.derived_from is null), 0)::int as upserted,
         coalesce((select sum(s.removed) from sync_run_streams s where s.run_id = r.id and s.derived_from is null), 0)::int as removed
    from sync_runs r`;

export async function listRuns(db: Queryable, filter: { connectorId?: string; status?: string; kind?: string; limit: number }): Promise<RunRow[]> {
  const { rows } = await db.query(
    `${RUN_SELECT}
      where ($1::text is null or r.connector_id = $1) and ($2::text is null or r.status = $2) and ($4::text is null or r.kind = $4)
      order by r.started_at desc, r.id desc limit $3`,
    [filter.connectorId ?? null, filter.status ?? null, filter.limit, filter.kind ?? null],
  );
  return rows.map(revive);
}

/** A run by its number, or the latest run of a workflow id. */
export async function findRun(db: Queryable, ref: string): Promise<RunRow | undefined> {
  const byNumber = /^\d+$/.test(ref);
  const { rows } = await db.query(
    `${RUN_SELECT} where ${byNumber ? 'r.id = $1::bigint' : 'r.workflow_id = $1 or r.workflow_run_id = $1'} order by r.started_at desc limit 1`,
    [ref],
  );
  return rows[0] ? revive(rows[0]) : undefined;
}

export async function runStreams(db: Queryable, workflowRunId: number): Promise<RunStreamRow[]> {
  const { rows } = await db.query(
    `select stream, mode, derived_from as "derivedFrom", pages, requests, sub_requests as "subRequests", throttled, staged, upserted, removed,
            resync_reason as "resyncReason", pulled_at as "pulledAt", audit_lag as "auditLag",
            case when coverage = 'unavailable' then coalesce(coverage_reason, 'unavailable') end as "coverageReason"
       from sync_run_streams where run_id = $1 order by derived_from nulls first, stream`,
    [workflowRunId],
  );
  return rows as RunStreamRow[];
}

export type RunUnreadTarget = { objectType: string; objectId: string; kind: string; message: string; failures: number; attempted: boolean; retryAt: Date };

/** The apps and service principals a committed run kept as last read because reading them failed. */
export async function runUnreadTargets(db: Queryable, workflowRunId: number): Promise<RunUnreadTarget[]> {
  const { rows } = await db.query(
    `select object_type as "objectType", object_id as "objectId", kind, message, failures, attempted, retry_at as "retryAt"
       from sync_run_reconcile_failures where run_id = $1 order by object_type, object_id`,
    [workflowRunId],
  );
  return rows as RunUnreadTarget[];
}

function revive(row: RunRow & { durationMs: string | number | null }): RunRow {
  return { ...row, durationMs: row.durationMs === null ? null : Number(row.durationMs) };
}
