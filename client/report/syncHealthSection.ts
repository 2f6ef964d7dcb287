import { workflowUiUrl } from '../runOutcome';
import { COLORS, capped, figure, rowsOf, shownSql, type ReportScope, type SectionData } from './reportModel';

const CHART_RUNS = 1000;

export const SYNC_HEALTH_SQL = {
  lastCommit: `
    select coalesce(to_char(max(finished_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'never') as value
      from sync_runs where connector_id = $1 and status = 'succeeded'`,
  runs: `select count(*) as value from sync_runs where connector_id = $1 and started_at >= $2`,
  failedRuns: `select count(*) as value from sync_runs where connector_id = $1 and started_at >= $2 and status = 'failed'`,
  // Per stream, the last committed run that pulled it: when, how, and whether Graph let it read everything.
  streams: `
    select distinct on (s.stream) s.stream, r.finished_at as last_commit,
           justify_interval(date_trunc('second', now() - r.finished_at))::text as age,
           r.id as run_id, s.mode, coalesce(s.coverage, 'complete') as coverage, s.coverage_reason
      from sync_run_streams s
      join sync_runs r on r.id = s.run_id
     where r.connector_id = $1 and r.status = 'succeeded' and s.pulled_at is not null
     order by s.stream, r.finished_at desc`,
  // The latest CHART_RUNS runs of the period (a one-minute schedule makes 43,200 in 30 days).
  durations: `
    select * from (
      select id, to_char(started_at at time zone 'UTC', 'MM-DD HH24:MI') as started, status,
             round(extract(epoch from finished_at - started_at)::numeric, 1) as seconds
        from sync_runs
       where connector_id = $1 and started_at >= $2 and finished_at is not null
       order by started_at desc, id desc
       limit ${CHART_RUNS}) latest
     order by id`,
  failed: `
    select id as run, started_at, finished_at, error_kind, error_message, workflow_id, workflow_run_id
      from sync_runs
     where connector_id = $1 and started_at >= $2 and status = 'failed'
     order by started_at desc, id desc`,
  unreadTargets: `select count(*) as value from reconcile_failures where connector_id = $1`,
};

export async function syncHealthSection(scope: ReportScope): Promise<SectionData> {
  const durations = await rowsOf<{ id: string; started: string; status: string; seconds: string }>(scope, SYNC_HEALTH_SQL.durations);
  const seconds = (status: string) => durations.map((r) => (r.status === status ? Number(r.seconds) : null));
  const streams = await capped(scope, {
    id: 'stream-freshness',
    title: 'Last commit per stream',
    columns: [
      { key: 'stream', label: 'stream' },
      { key: 'last_commit', label: 'last commit', kind: 'time' },
      { key: 'age', label: 'age' },
      { key: 'run_id', label: 'run', kind: 'number' },
      { key: 'mode', label: 'mode' },
      { key: 'coverage', label: 'coverage' },
      { key: 'coverage_reason', label: 'why not complete' },
    ],
    query: SYNC_HEALTH_SQL.streams,
    empty: 'No run has committed yet.',
  });
  const failed = await capped(scope, {
    id: 'failed-runs',
    title: 'Failed runs of the period',
    columns: [
      { key: 'run', label: 'run', kind: 'number' },
      { key: 'started_at', label: 'started', kind: 'time' },
      { key: 'finished_at', label: 'ended', kind: 'time' },
      { key: 'error_kind', label: 'error kind' },
      { key: 'error_message', label: 'error' },
      { key: 'temporal_ui', label: 'Temporal Web UI', kind: 'link' },
    ],
    query: SYNC_HEALTH_SQL.failed,
    empty: 'No run failed in the period.',
  });
  for (const row of failed.rows) {
    row.temporal_ui = workflowUiUrl(scope.ui.uiUrl, scope.ui.namespace, String(row.workflow_id), String(row.workflow_run_id)) ?? `${String(row.workflow_id)} / ${String(row.workflow_run_id)}`;
  }
  const unread = await figure(scope, 'unread-targets', 'apps and service principals kept as last read', SYNC_HEALTH_SQL.unreadTargets);
  return {
    id: 'sync-health',
    title: 'Sync health',
    intro: 'How fresh the copy is, stream by stream; how long runs took over the period; which failed and why; what Graph did not let the sync read.',
    figures: [
      await figure(scope, 'last-commit', 'last committed run (UTC)', SYNC_HEALTH_SQL.lastCommit),
      await figure(scope, 'runs-in-period', 'runs started in the period', SYNC_HEALTH_SQL.runs),
      await figure(scope, 'failed-runs', 'failed runs in the period', SYNC_HEALTH_SQL.failedRuns),
      unread,
    ],
    charts: [
      {
        id: 'run-durations',
        title: `Run durations in the period (seconds, by start, UTC; the latest ${CHART_RUNS} when there were more)`,
        type: 'bar',
        stacked: true,
        labels: durations.map((r) => `${r.started} #${r.id}`),
        datasets: [
          { label: 'succeeded', data: seconds('succeeded'), color: COLORS.calm },
          { label: 'failed', data: seconds('failed'), color: COLORS.danger },
        ],
        yTitle: 'seconds',
        sql: shownSql(SYNC_HEALTH_SQL.durations, scope),
      },
    ],
    tables: [streams, failed],
    notes: coverageNotes(streams.rows, Number(unread.value)),
  };
}

/** What the copy does not hold, in words: streams Graph would not let the sync read, targets kept as last read. */
function coverageNotes(streams: Record<string, unknown>[], unreadTargets: number): string[] {
  const notes = streams
    .filter((s) => s.coverage !== 'complete')
    .map((s) => `${String(s.stream)}: not read in its last committed run (${String(s.coverage_reason ?? s.coverage)}); the sections above lack what it holds.`);
  if (unreadTargets > 0) notes.push(`${unreadTargets} app(s) or service principal(s) kept as last read: reading their owners or app role assignments failed (docs/inventory.md).`);
  if (notes.length === 0) notes.push('Every stream was read completely in its last committed run.');
  return notes;
}
