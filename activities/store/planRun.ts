import { PULLED_STREAMS, type PulledStreamName, type StreamMode, type WatermarkStream } from '../../shared/streams';
import { inTransaction, type Database, type Queryable } from './database';

export type StreamPlan = { stream: PulledStreamName; mode: StreamMode };

/** Whether a watermark stream has one committed: then the run reads on from it. */
const HAS_WATERMARK: Record<WatermarkStream, string> = {
  credentialAuditEvents: `exists (select 1 from audit_watermarks w where w.connector_id = $2 and w.stream = 'credentialAuditEvents')`,
  signIns: `exists (select 1 from discovery_evidence e where e.connector_id = $2 and e.kind = 'sign_in')`,
};

/**
 * Creates the run record once per workflow run, and plans every stream of the registry
 * (discovery ones only with discovery on): delta streams from their COMMITTED cursors, watermark
 * streams from their committed watermarks, the rest in full. Running it again returns the plan
 * it made the first time.
 */
export async function openRun(
  db: Database,
  input: { connectorId: string; workflowId: string; workflowRunId: string; discovery: boolean },
): Promise<{ syncRunId: number; streams: StreamPlan[] }> {
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `insert into sync_runs (connector_id, workflow_id, workflow_run_id, base_generation)
       select $1, $2, $3, commit_generation from connectors where id = $1
       on conflict (workflow_id, workflow_run_id) do update set workflow_id = excluded.workflow_id
       returning id`,
      [input.connectorId, input.workflowId, input.workflowRunId],
    );
    const syncRunId = Number(rows[0]!.id);
    const planned = (Object.keys(PULLED_STREAMS) as PulledStreamName[]).filter((s) => input.discovery || !('discovery' in PULLED_STREAMS[s]));
    for (const stream of planned) await planStream(tx, syncRunId, input.connectorId, stream);
    const plans = await tx.query<StreamPlan>('select stream, mode from sync_run_streams where run_id = $1 and stream = any($2) order by stream', [
      syncRunId,
      planned,
    ]);
    return { syncRunId, streams: plans.rows };
  });
}

async function planStream(tx: Queryable, syncRunId: number, connectorId: string, stream: PulledStreamName): Promise<void> {
  const { reading } = PULLED_STREAMS[stream];
  if (reading === 'delta') {
    await tx.query(
      `insert into sync_run_streams (run_id, stream, mode, start_link)
       select $1, $3, case when c.delta_link is null then 'bootstrap' else 'incremental' end, c.delta_link
         from (select 1) one left join delta_cursors c on c.connector_id = $2 and c.stream = $3
       on conflict (run_id, stream) do nothing`,
      [syncRunId, connectorId, stream],
    );
    return;
  }
  if (reading === 'full') {
    await tx.query(`insert into sync_run_streams (run_id, stream, mode) values ($1, $2, 'full') on conflict (run_id, stream) do nothing`, [syncRunId, stream]);
    return;
  }
  await tx.query(
    `insert into sync_run_streams (run_id, stream, mode)
     values ($1, $3, case when ${HAS_WATERMARK[stream as WatermarkStream]} then 'incremental' else 'bootstrap' end)
     on conflict (run_id, stream) do nothing`,
    [syncRunId, connectorId, stream],
  );
}
