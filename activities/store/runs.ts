import type { DeltaStream, StreamMode } from '../../workflows/streams';
import { deleteStaging } from './staging';
import { inTransaction, type Database, type Queryable } from './database';
import { GRANTS_STREAM, SIGN_INS_STREAM } from '../discovery/discoveryStreams';
import { AUDIT_STREAM, RELATIONSHIP_STREAMS } from './relationshipStreams';

export type StreamPlan = { stream: DeltaStream; mode: StreamMode };

/**
 * Creates the run record once per workflow run, and decides each stream's mode from the
 * COMMITTED cursors. Running it again returns the decisions it made the first time.
 */
export async function openRun(
  db: Database,
  input: { connectorId: string; workflowId: string; workflowRunId: string; streams: readonly DeltaStream[]; discovery: boolean },
): Promise<{ runId: number; streams: StreamPlan[] }> {
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `insert into sync_runs (connector_id, workflow_id, workflow_run_id) values ($1, $2, $3)
       on conflict (workflow_id, workflow_run_id) do update set workflow_id = excluded.workflow_id
       returning id`,
      [input.connectorId, input.workflowId, input.workflowRunId],
    );
    const runId = Number(rows[0]!.id);
    await tx.query(
      `insert into sync_run_streams (run_id, stream, mode, start_link)
       select $1, s.stream, case when c.delta_link is null then 'bootstrap' else 'incremental' end, c.delta_link
         from unnest($3::text[]) as s(stream)
         left join delta_cursors c on c.connector_id = $2 and c.stream = s.stream
       on conflict (run_id, stream) do nothing`,
      [runId, input.connectorId, input.streams],
    );
    // Relationships are read in full every run; audit events continue from their watermark.
    await tx.query(
      `insert into sync_run_streams (run_id, stream, mode)
       select $1, s.stream, case when s.stream <> $3 then 'full'
                                 when exists (select 1 from audit_watermarks w where w.connector_id = $2 and w.stream = $3) then 'incremental'
                                 else 'bootstrap' end
         from unnest($4::text[]) as s(stream)
       on conflict (run_id, stream) do nothing`,
      [runId, input.connectorId, AUDIT_STREAM, RELATIONSHIP_STREAMS],
    );
    if (input.discovery) {
      await tx.query(
        `insert into sync_run_streams (run_id, stream, mode)
         values ($1, $3, 'full'),
                ($1, $4, case when exists (select 1 from discovery_evidence e where e.connector_id = $2 and e.kind = 'sign_in')
                              then 'incremental' else 'bootstrap' end)
         on conflict (run_id, stream) do nothing`,
        [runId, input.connectorId, GRANTS_STREAM, SIGN_INS_STREAM],
      );
    }
    const plans = await tx.query<StreamPlan>('select stream, mode from sync_run_streams where run_id = $1 and stream = any($2) order by stream', [
      runId,
      input.streams,
    ]);
    return { runId, streams: plans.rows };
  });
}

export async function runStatus(db: Queryable, runId: number): Promise<string | undefined> {
  const { rows } = await db.query<{ status: string }>('select status from sync_runs where id = $1', [runId]);
  return rows[0]?.status;
}

/** Marks a run failed and drops its staging. A run that already committed stays succeeded. */
export async function failRun(db: Database, runId: number, kind: string, message: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.query(
      `update sync_runs set status = 'failed', finished_at = now(), error_kind = $2, error_message = $3
        where id = $1 and status = 'running'`,
      [runId, kind, message],
    );
    await deleteStaging(tx, runId);
  });
}
