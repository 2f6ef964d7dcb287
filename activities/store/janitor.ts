import { inTransaction, type Database } from './database';
import { discardStaging } from './runs';
import { FailureKind } from '../../shared/failureKinds';

/** What Temporal says of the execution that owns a run row. */
export type ExecutionState = 'open' | 'closed' | 'unknown';
export type ExecutionProbe = (workflowId: string, workflowRunId: string) => Promise<ExecutionState>;

export type JanitorPolicy = {
  /** How long a failed or cancelled run keeps its staging for a reset to resume (ENTRA_FAILED_RUN_RETENTION). */
  failedRunRetentionMs: number;
  /** A running row claimed longer ago than this is abandoned even when Temporal cannot say (ENTRA_RUN_ABANDON_AFTER). */
  abandonAfterMs: number;
};

export const DEFAULT_JANITOR_POLICY: JanitorPolicy = { failedRunRetentionMs: 72 * 3600_000, abandonAfterMs: 24 * 3600_000 };

export type JanitorReport = { abandoned: number[]; discarded: number[] };

/**
 * Ends what an earlier run of the connector left behind: a row still `running` whose workflow
 * execution has closed (terminated, timed out, or failed before it could record why) becomes
 * `abandoned`; staging of runs that ended is deleted once it can no longer serve a reset.
 */
export async function sweepRuns(db: Database, connectorId: string, probe: ExecutionProbe | undefined, policy: JanitorPolicy): Promise<JanitorReport> {
  // Aged from its last claim, not its start: a reset may have reopened a run that started days ago.
  const running = await db.query<{ id: string; workflowId: string; owner: string; ageMs: number }>(
    `select id, workflow_id as "workflowId", workflow_run_id as owner, (extract(epoch from now() - claimed_at) * 1000)::float8 as "ageMs"
       from sync_runs where connector_id = $1 and status = 'running'`,
    [connectorId],
  );
  const report: JanitorReport = { abandoned: [], discarded: [] };
  for (const run of running.rows) {
    const state = probe ? await probe(run.workflowId, run.owner) : 'unknown';
    if (state === 'open' || (state === 'unknown' && run.ageMs < policy.abandonAfterMs)) continue;
    const why = state === 'closed' ? 'its workflow execution closed without recording an outcome' : `Temporal could not be asked about it and its execution claimed it more than ${Math.round(policy.abandonAfterMs / 60_000)} minutes ago`;
    const abandoned = await inTransaction(db, async (tx) => {
      // Only if nothing took the row over (a reset) since we looked.
      const updated = await tx.query(
        `update sync_runs set status = 'abandoned', finished_at = now(), error_kind = $3, error_message = $4
          where id = $1 and workflow_run_id = $2 and status = 'running'`,
        [run.id, run.owner, FailureKind.Abandoned, `abandoned by the janitor: ${why}`],
      );
      if (updated.rowCount === 1) await discardStaging(tx, Number(run.id));
      return updated.rowCount === 1;
    });
    if (abandoned) report.abandoned.push(Number(run.id));
  }
  const expired = await db.query<{ id: string }>(
    `select id from sync_runs
      where connector_id = $1 and status in ('failed', 'cancelled') and staging_discarded_at is null
        and finished_at < now() - make_interval(secs => $2)`,
    [connectorId, policy.failedRunRetentionMs / 1000],
  );
  for (const { id } of expired.rows) {
    await inTransaction(db, (tx) => discardStaging(tx, Number(id)));
    report.discarded.push(Number(id));
  }
  return report;
}
