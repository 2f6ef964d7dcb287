import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import type { RunSummary } from '../activities';
import type { Queryable } from '../activities/store/database';
import { RUN_OUTCOMES, type RunOutcome, type SyncMetrics } from './metrics';

const REMEMBERED_RUNS = 1_000;

/**
 * Feeds the worker's metrics from the activities it runs: every attempt's duration and outcome;
 * a committed run's objects per stream (finalizeRun); a finished run's duration and outcome
 * (finalizeRun, failRun), read from its sync_runs row. A run is counted once per process even
 * when its idempotent finalize is retried.
 */
export function metricsInterceptors(metrics: SyncMetrics, db: Queryable): ActivityInterceptorsFactory {
  const counted = new Set<number>();
  const countOnce = (syncRunId: number) => {
    if (counted.has(syncRunId)) return false;
    counted.add(syncRunId);
    if (counted.size > REMEMBERED_RUNS) counted.delete(counted.values().next().value!);
    return true;
  };

  const isFinished = (status: string): status is RunOutcome => (RUN_OUTCOMES as readonly string[]).includes(status);
  const recordRun = async (syncRunId: number, summary?: RunSummary) => {
    if (!countOnce(syncRunId)) return;
    const { rows } = await db.query<{ connector: string; status: string; seconds: number; errorKind: string | null; kind: string }>(
      `select connector_id as connector, status, error_kind as "errorKind", kind,
              extract(epoch from (coalesce(finished_at, now()) - started_at))::float8 as seconds
         from sync_runs where id = $1`,
      [syncRunId],
    );
    const run = rows[0];
    if (!run || !isFinished(run.status)) return;
    if (summary && run.status === 'succeeded') metrics.recordCommitted(run.connector, summary);
    metrics.recordRunFinished(run.connector, run.status, Number(run.seconds), run.errorKind ?? '', run.kind);
  };

  return (ctx: Context) => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const activity = ctx.info.activityType;
        const started = performance.now();
        let outcome = 'failed';
        try {
          const result = await next(input);
          outcome = 'completed';
          const syncRunId = (input.args[0] as { syncRunId?: number } | undefined)?.syncRunId;
          if (typeof syncRunId === 'number' && (activity === 'finalizeRun' || activity === 'failRun')) {
            await recordRun(syncRunId, activity === 'finalizeRun' ? (result as RunSummary) : undefined).catch(() => undefined);
          }
          return result;
        } catch (err) {
          outcome = err instanceof CancelledFailure ? 'cancelled' : err instanceof ApplicationFailure && err.nonRetryable ? 'failed' : 'retryable';
          throw err;
        } finally {
          metrics.activities.observe({ activity, outcome }, (performance.now() - started) / 1000);
        }
      },
    };
    return { inbound };
  };
}
