import { AUDIT_STREAM, PULLED_STREAMS, type PulledStreamName, type StreamMode, type WatermarkStream } from '../../shared/streams';
import { TAIL_STREAMS, type RunKind } from '../../shared/runKinds';
import { inTransaction, type Database, type Queryable } from './database';
import { reportRequestFree } from '../graph/reportBudget';

export type StreamPlan = { stream: PulledStreamName; mode: StreamMode };

/** Whether a watermark stream has one committed: then the run reads on from it. */
const HAS_WATERMARK: Record<WatermarkStream, string> = {
  credentialAuditEvents: `exists (select 1 from audit_watermarks w where w.connector_id = $2 and w.stream = 'credentialAuditEvents')`,
  signIns: `exists (select 1 from discovery_evidence e where e.connector_id = $2 and e.kind = 'sign_in')`,
};

export type OpenRunInput = { connectorId: string; workflowId: string; workflowRunId: string; discovery: boolean };
type OpenedRun = { syncRunId: number; streams: StreamPlan[] };

/** A tail pass that prepare refused: no row was opened (docs/run-lifecycle.md). */
export type RefusedPass = { refused: string };

/**
 * Creates the run record once per workflow run, and plans every stream of the registry
 * (discovery ones only with discovery on): delta streams from their COMMITTED cursors, watermark
 * streams from their committed watermarks, the rest in full. Running it again returns the plan
 * it made the first time.
 *
 * It locks the connector row first: a full run then waits for a tail pass's commit in flight and
 * reads the generation after it; a tail pass opens only while no full run is running and the
 * connector has its tail on, and plans only the streams a pass reads (shared/runKinds.ts).
 */
export async function openRun(db: Database, input: OpenRunInput): Promise<OpenedRun> {
  return (await open(db, input, 'full')) as OpenedRun;
}

/** Opens a tail pass's run, or says why it may not run now. */
export function openTailPass(db: Database, input: OpenRunInput): Promise<OpenedRun | RefusedPass> {
  return open(db, { ...input, discovery: false }, 'tail');
}

function open(db: Database, input: OpenRunInput, kind: RunKind): Promise<OpenedRun | RefusedPass> {
  return inTransaction(db, async (tx) => {
    const existing = await tx.query<{ id: string }>('select id from sync_runs where workflow_id = $1 and workflow_run_id = $2', [input.workflowId, input.workflowRunId]);
    await lockConnector(tx, input.connectorId);
    if (kind === 'tail' && existing.rows.length === 0) {
      const refused = await tailRefusal(tx, input.connectorId);
      if (refused) return { refused };
    }
    const { rows } = await tx.query<{ id: string }>(
      `insert into sync_runs (connector_id, workflow_id, workflow_run_id, base_generation, kind)
       select $1, $2, $3, commit_generation, $4 from connectors where id = $1
       on conflict (workflow_id, workflow_run_id) do update set workflow_id = excluded.workflow_id
       returning id`,
      [input.connectorId, input.workflowId, input.workflowRunId, kind],
    );
    const syncRunId = Number(rows[0]!.id);
    const planned = (Object.keys(PULLED_STREAMS) as PulledStreamName[]).filter((s) => input.discovery || !('discovery' in PULLED_STREAMS[s]));
    if (existing.rows.length === 0) {
      for (const stream of planned) {
        if (kind === 'full') await planStream(tx, syncRunId, input.connectorId, stream);
        else if (TAIL_STREAMS.includes(stream)) await planTailStream(tx, syncRunId, input.connectorId, stream);
      }
    }
    // A stream already unavailable at planning is one the pass deferred: no pull runs for it.
    const plans = await tx.query<StreamPlan>(
      `select stream, mode from sync_run_streams where run_id = $1 and stream = any($2) and coverage is distinct from 'unavailable' order by stream`,
      [syncRunId, planned],
    );
    return { syncRunId, streams: plans.rows };
  });
}

/** The connector row lock that orders run openings and tail commits (docs/run-lifecycle.md). */
export async function lockConnector(tx: Queryable, connectorId: string): Promise<void> {
  await tx.query('select 1 from connectors where id = $1 for no key update', [connectorId]);
}

/** Why a tail pass may not open now, under the connector lock; undefined: it may. */
async function tailRefusal(tx: Queryable, connectorId: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ enabled: boolean; tail: boolean; fullRunning: boolean }>(
    `select enabled, tail_enabled as tail,
            exists (select 1 from sync_runs r where r.connector_id = c.id and r.kind = 'full' and r.status = 'running') as "fullRunning"
       from connectors c where id = $1`,
    [connectorId],
  );
  const c = rows[0];
  if (!c) return `connector ${connectorId} does not exist`;
  if (!c.enabled) return `connector ${connectorId} is disabled`;
  if (!c.tail) return `connector ${connectorId} has its tail off`;
  if (c.fullRunning) return 'a full run of the connector is running';
  return undefined;
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

/** Why a tail pass left the audit log out (docs/run-lifecycle.md, "The audit log only when a report request is free"). */
export const AUDIT_DEFERRED_REASON = 'deferred: no report request free at the pass start; a later pass or the next full run reads on from the same watermark';

/** Whether the connector's app has a report request free now (activities/graph/reportBudget.ts). */
async function reportRequestFreeFor(tx: Queryable, connectorId: string): Promise<boolean> {
  const { rows } = await tx.query<{ tenantId: string; clientId: string }>('select tenant_id as "tenantId", client_id as "clientId" from connectors where id = $1', [connectorId]);
  return rows[0] ? reportRequestFree(tx, rows[0]) : true;
}

/**
 * A tail pass reads a delta or watermark stream only from what a full run committed: a stream
 * without a committed cursor (or watermark) is not in the pass, the tail waits for the first full
 * run to bootstrap it. The rest of its streams it reads as a full run does. The credential audit
 * log it reads only when the reports budget has a request free as the pass opens: a pass never
 * queues for a report slot (Graph allows 5 report requests per 10 s), the audit log waits instead.
 */
async function planTailStream(tx: Queryable, syncRunId: number, connectorId: string, stream: PulledStreamName): Promise<void> {
  const { reading } = PULLED_STREAMS[stream];
  if (reading === 'delta') {
    await tx.query(
      `insert into sync_run_streams (run_id, stream, mode, start_link)
       select $1, $3, 'incremental', c.delta_link from delta_cursors c where c.connector_id = $2 and c.stream = $3
       on conflict (run_id, stream) do nothing`,
      [syncRunId, connectorId, stream],
    );
    return;
  }
  if (reading === 'watermark') {
    const deferred = stream === AUDIT_STREAM && !(await reportRequestFreeFor(tx, connectorId));
    // Deferred: recorded on the run, never pulled, so finalize leaves the watermark where it is.
    await tx.query(
      `insert into sync_run_streams (run_id, stream, mode, coverage, coverage_reason)
       select $1, $3, 'incremental', $4, $5 where ${HAS_WATERMARK[stream as WatermarkStream]}
       on conflict (run_id, stream) do nothing`,
      [syncRunId, connectorId, stream, deferred ? 'unavailable' : null, deferred ? AUDIT_DEFERRED_REASON : null],
    );
    return;
  }
  await planStream(tx, syncRunId, connectorId, stream);
}
