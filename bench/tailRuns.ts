import type { Client } from '@temporalio/client';
import type { Queryable } from '../activities/store/database';
import { activityAttempts } from '../reliability/runHistory';

export type RunRow = { id: string; kind: 'full' | 'tail'; status: string; startedAt: Date; finishedAt: Date | null; workflowId: string; workflowRunId: string };

/** The connector's runs (full runs and tail passes) started since `since`. */
export async function runsSince(db: Queryable, connectorId: string, since: Date): Promise<RunRow[]> {
  const { rows } = await db.query<{ id: string; kind: 'full' | 'tail'; status: string; started_at: Date; finished_at: Date | null; workflow_id: string; workflow_run_id: string }>(
    `select id, kind, status, started_at, finished_at, workflow_id, workflow_run_id
       from sync_runs where connector_id = $1 and started_at >= $2 order by id`,
    [connectorId, since],
  );
  return rows.map((r) => ({ id: String(r.id), kind: r.kind, status: r.status, startedAt: r.started_at, finishedAt: r.finished_at, workflowId: r.workflow_id, workflowRunId: r.workflow_run_id }));
}

/** Runs of one kind by status: { succeeded: 4, failed: 0, … }. */
export function countByStatus(runs: readonly RunRow[], kind: RunRow['kind']): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const run of runs) if (run.kind === kind) counts[run.status] = (counts[run.status] ?? 0) + 1;
  return counts;
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
