import type { Client } from '@temporalio/client';
import type { Queryable } from '../activities/store/database';
import { activityAttempts } from '../reliability/runHistory';
import { percentile } from './changeLatency';

export type RunRow = { id: string; kind: 'full' | 'tail'; status: string; errorKind: string | null; startedAt: Date; finishedAt: Date | null; workflowId: string; workflowRunId: string };

/** The connector's runs (full runs and tail passes) started since `since`. */
export async function runsSince(db: Queryable, connectorId: string, since: Date): Promise<RunRow[]> {
  const { rows } = await db.query<{ id: string; kind: 'full' | 'tail'; status: string; error_kind: string | null; started_at: Date; finished_at: Date | null; workflow_id: string; workflow_run_id: string }>(
    `select id, kind, status, error_kind, started_at, finished_at, workflow_id, workflow_run_id
       from sync_runs where connector_id = $1 and started_at >= $2 order by id`,
    [connectorId, since],
  );
  return rows.map((r) => ({ id: String(r.id), kind: r.kind, status: r.status, errorKind: r.error_kind, startedAt: r.started_at, finishedAt: r.finished_at, workflowId: r.workflow_id, workflowRunId: r.workflow_run_id }));
}

/** Runs of one kind by status, a failure with its kind: { succeeded: 4, "failed TailPassYielded": 1, … }. */
export function countByStatus(runs: readonly RunRow[], kind: RunRow['kind']): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const run of runs) {
    if (run.kind !== kind) continue;
    const key = run.errorKind ? `${run.status} ${run.errorKind}` : run.status;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** How long the finished runs of one kind took, in ms: p50 and p95. */
export function runDurations(runs: readonly RunRow[], kind: RunRow['kind']): { p50Ms: number | null; p95Ms: number | null } {
  const durations = runs.filter((r) => r.kind === kind && r.finishedAt).map((r) => r.finishedAt!.getTime() - r.startedAt.getTime());
  return { p50Ms: percentile(durations, 50), p95Ms: percentile(durations, 95) };
}

/**
 * The activities each full run retried, from its Temporal history ("finalizeRun x3": the
 * highest attempt an activity of that type started on). A run whose history is gone is named.
 */
export async function fullRunRetries(client: Client, runs: readonly RunRow[]): Promise<string[]> {
  const retried: string[] = [];
  for (const run of runs.filter((r) => r.kind === 'full')) {
    try {
      const attempts = await activityAttempts(client.workflow.getHandle(run.workflowId, run.workflowRunId));
      for (const [type, a] of attempts) if (a.lastAttempt > 1) retried.push(`run ${run.id}: ${type} x${a.lastAttempt}`);
    } catch (err) {
      retried.push(`run ${run.id}: history unreadable (${(err as Error).message})`);
    }
  }
  return retried;
}
