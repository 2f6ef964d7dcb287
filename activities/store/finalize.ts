import { ApplicationFailure } from '@temporalio/common';
import type { DeltaStream, StreamMode } from '../../workflows/streams';
import { inTransaction, type Database, type Queryable } from './database';
import { LIVE_TABLES } from './liveTables';

export type StreamSummary = {
  mode: StreamMode;
  upserted: number;
  removed: number;
  pages: number;
  requests: number;
  throttled: number;
  resyncReason?: string;
};

export type RunSummary = {
  runId: number;
  status: 'succeeded';
  streams: Record<string, StreamSummary>;
};

type StreamRow = {
  stream: DeltaStream;
  mode: StreamMode;
  startLink: string | null;
  deltaLink: string | null;
  pulledAt: Date | null;
};

/**
 * Applies a run in one transaction: staged objects onto the live tables, tombstones, cursor
 * advance, the run record. Called again after it committed, it returns the same summary.
 */
export async function finalizeRun(db: Database, runId: number): Promise<RunSummary> {
  return inTransaction(db, async (tx) => {
    const run = await tx.query<{ status: string; connector_id: string }>(
      'select status, connector_id from sync_runs where id = $1 for update',
      [runId],
    );
    const status = run.rows[0]?.status;
    if (status === 'succeeded') return readRunSummary(tx, runId);
    if (status !== 'running') {
      throw ApplicationFailure.create({
        type: 'RunNotFinalizable',
        nonRetryable: true,
        message: `run ${runId} is ${status ?? 'missing'} and cannot be finalized; start a new sync`,
      });
    }
    const connectorId = run.rows[0]!.connector_id;
    const streams = await tx.query<StreamRow>(
      `select stream, mode, start_link as "startLink", delta_link as "deltaLink", pulled_at as "pulledAt"
         from sync_run_streams where run_id = $1 order by stream`,
      [runId],
    );
    for (const s of streams.rows) {
      if (!s.pulledAt || !s.deltaLink) throw new Error(`run ${runId}: stream ${s.stream} has not finished pulling`);
      const { upserted, removed } = await applyStream(tx, connectorId, runId, s.stream, s.mode);
      await advanceCursor(tx, connectorId, runId, s);
      await tx.query('update sync_run_streams set upserted = $3, removed = $4 where run_id = $1 and stream = $2', [
        runId,
        s.stream,
        upserted,
        removed,
      ]);
    }
    await tx.query(`update sync_runs set status = 'succeeded', finished_at = now() where id = $1`, [runId]);
    await tx.query('delete from staged_objects where run_id = $1', [runId]);
    return readRunSummary(tx, runId);
  });
}

async function applyStream(
  tx: Queryable,
  connectorId: string,
  runId: number,
  stream: DeltaStream,
  mode: StreamMode,
): Promise<{ upserted: number; removed: number }> {
  const table = LIVE_TABLES[stream];
  const bootstrap = mode === 'bootstrap';
  // A bootstrap brings whole objects; an incremental round may bring only the changed properties.
  const upserted = await tx.query(
    `insert into ${table} as live (connector_id, id, data, first_seen_run_id, last_changed_run_id)
     select $1, s.object_id, s.data, $2, $2
       from staged_objects s where s.run_id = $2 and s.stream = $3 and s.data is not null
     on conflict (connector_id, id) do update set
       data = case when $4 then excluded.data else live.data || excluded.data end,
       deleted_at = null, deletion_kind = null, last_changed_run_id = $2
     where live.deleted_at is not null
        or live.data is distinct from (case when $4 then excluded.data else live.data || excluded.data end)`,
    [connectorId, runId, stream, bootstrap],
  );
  const removed = await tx.query(
    `insert into ${table} as live (connector_id, id, data, deleted_at, deletion_kind, first_seen_run_id, last_changed_run_id)
     select $1, s.object_id, jsonb_build_object('id', s.object_id), now(),
            case s.removed_reason when 'changed' then 'soft_deleted' else 'hard_deleted' end, $2, $2
       from staged_objects s where s.run_id = $2 and s.stream = $3 and s.data is null
     on conflict (connector_id, id) do update set
       deleted_at = coalesce(live.deleted_at, excluded.deleted_at), deletion_kind = excluded.deletion_kind,
       last_changed_run_id = $2
     where live.deleted_at is null or live.deletion_kind is distinct from excluded.deletion_kind`,
    [connectorId, runId, stream],
  );
  let absent = 0;
  if (bootstrap) {
    // A full round saw everything that exists: whatever it did not see is gone.
    const result = await tx.query(
      `update ${table} live set deleted_at = now(), deletion_kind = 'absent', last_changed_run_id = $2
        where live.connector_id = $1 and live.deleted_at is null
          and not exists (select 1 from staged_objects s
                           where s.run_id = $2 and s.stream = $3 and s.object_id = live.id)`,
      [connectorId, runId, stream],
    );
    absent = result.rowCount ?? 0;
  }
  return { upserted: upserted.rowCount ?? 0, removed: (removed.rowCount ?? 0) + absent };
}

/** Moves the cursor from the one this run started on; anything else means another run won. */
async function advanceCursor(tx: Queryable, connectorId: string, runId: number, s: StreamRow): Promise<void> {
  const result = s.startLink
    ? await tx.query(
        `update delta_cursors set delta_link = $3, run_id = $4, updated_at = now()
          where connector_id = $1 and stream = $2 and delta_link = $5`,
        [connectorId, s.stream, s.deltaLink, runId, s.startLink],
      )
    : await tx.query(
        `insert into delta_cursors (connector_id, stream, delta_link, run_id) values ($1, $2, $3, $4)
         on conflict (connector_id, stream) do nothing`,
        [connectorId, s.stream, s.deltaLink, runId],
      );
  if (result.rowCount !== 1) {
    throw ApplicationFailure.create({
      type: 'CursorConflict',
      nonRetryable: true,
      message: `another run committed the ${s.stream} cursor of connector ${connectorId} while run ${runId} was in flight; this run's changes were discarded and the next run picks them up from the newer cursor`,
    });
  }
}

export async function readRunSummary(db: Queryable, runId: number): Promise<RunSummary> {
  const { rows } = await db.query(
    `select stream, mode, upserted, removed, pages, requests, throttled, resync_reason as "resyncReason"
       from sync_run_streams where run_id = $1 order by stream`,
    [runId],
  );
  const streams: Record<string, StreamSummary> = {};
  for (const r of rows) {
    streams[r.stream] = {
      mode: r.mode,
      upserted: r.upserted ?? 0,
      removed: r.removed ?? 0,
      pages: r.pages,
      requests: r.requests,
      throttled: r.throttled,
      ...(r.resyncReason ? { resyncReason: r.resyncReason } : {}),
    };
  }
  return { runId, status: 'succeeded', streams };
}
