import type { WorkflowHandle } from '@temporalio/client';
import { KILL_AT_VARIABLE, type KillPoint } from '../activities/killPoint';
import { markLog, readCounts, readDifferences, readsOf, readsSince } from './graphReads';
import { PULLED_STREAMS } from '../shared/streams';
import type { Baseline } from './runner';
import { activityAttempts } from './runHistory';
import type { Scenario, ScenarioOutcome } from './scenario';
import type { Deployment, Stack, WorkerKind } from './stack';
import { until, untilHeld } from './waits';
import { startRunHeldAtCommit, untilFinalizeWaits } from './commitHold';

/**
 * Crashes no Graph request marks: the worker kills itself at a named point of a run's own work
 * (activities/killPoint.ts), and the servers under a run restart. Each run must still end as a
 * clean run would, or fail with its documented error and change nothing.
 */
type SelfKill = { point: KillPoint; proves: string; worker?: WorkerKind; reduced?: boolean };

const SELF_KILLS: SelfKill[] = [
  { point: 'prepareRun:afterCommit', proves: 'a retried prepareRun returns the run it opened: one run row, and Graph read exactly as in the clean run' },
  { point: 'pull:afterRecord', proves: 'between pulls: a pull that recorded its end is not read again by its retry' },
  { point: 'pull:afterRecord', worker: 'discovery', proves: 'the discovery worker lost between its pulls: a finished source is not read again' },
  { point: 'build:afterLastPage', proves: 'a first bootstrap\'s pull lost after building its next tables, before recording its end: the retry reads only its last page again, and the tables it swaps in hold what the clean run committed' },
  { point: 'build:afterEntitlements', proves: 'a first bootstrap\'s entitlements build lost after its commit: the retry builds them again from an empty table, and the run attaches all four tables with what the clean run committed' },
  { point: 'planReconciliation:afterCommit', proves: 'a retried plan keeps the shards it committed: as many shards run, and each target is read once, as in the clean run' },
  { point: 'finalize:afterSwap', proves: 'a finalize lost after swapping in the tables its pulls built: nothing of the swap is visible; the retry swaps and commits once, with nothing read again' },
  { point: 'finalize:beforeCommit', proves: 'a finalize lost before its commit changes nothing; its retry commits once, with nothing read again' },
  { point: 'finalize:afterCommit', proves: 'a finalize lost after its commit is not applied twice: the retry returns the committed summary (the clean run\'s counts)', reduced: true },
];

/** The workflow's result; a Temporal restart can drop the long poll, so ask again until it answers. */
async function resultThroughRestarts(handle: WorkflowHandle): Promise<'succeeded' | string> {
  return until('the run to end', (): Promise<string | undefined> =>
    handle.result().then(
      () => 'succeeded',
      (err: Error & { cause?: Error }) => {
        if (/connect|UNAVAILABLE|unavailable|ECONNREFUSED|deadline/i.test(err.message)) return undefined;
        return `failed: ${err.cause?.message ?? err.message}`;
      },
    ),
    RUN_DEADLINE_MS,
  );
}

/** A crash costs a heartbeat timeout (30 s) and a retry's backoff; a slow machine more. */
const RUN_DEADLINE_MS = 5 * 60_000;

/** The activity the kill point is in: its retry is what the scenario is about. */
const KILLED_ACTIVITY: Record<Exclude<KillPoint, 'failRun:afterCommit'>, string | undefined> = {
  'prepareRun:afterCommit': 'prepareRun',
  'build:afterLastPage': undefined, // the users or groups pull, whichever built its tables first
  'pull:afterRecord': undefined, // any pull; the streams it recorded are read from sync_run_streams
  'planReconciliation:afterCommit': 'planReconciliationWave', // the first wave's plan
  'build:afterEntitlements': 'buildEntitlements',
  'finalize:afterSwap': 'finalizeRun',
  'finalize:beforeCommit': 'finalizeRun',
  'finalize:afterCommit': 'finalizeRun',
};

async function selfKill(d: Deployment, point: Exclude<KillPoint, 'failRun:afterCommit'>, worker: WorkerKind, baseline: Baseline): Promise<ScenarioOutcome> {
  await d.startWorkers({ [worker]: { [KILL_AT_VARIABLE]: point } });
  const started = markLog(d.sim);
  const run = await d.startRun();
  await d.workerDied(worker);
  // The worker is dead: what it had recorded stays as it is until the retry.
  const recorded = await d.db.query<{ stream: string }>(
    `select s.stream from sync_run_streams s join sync_runs r on r.id = s.run_id where r.workflow_id = $1 and s.pulled_at is not null and s.derived_from is null`,
    [run.workflowId],
  );
  // A kill in the build or the swap: the run's tables are built, and none of it is visible.
  const built = point.startsWith('build:') || point === 'finalize:afterSwap' ? await builtButInvisible(d, run.workflowId) : undefined;
  const shards = await d.db.query<{ n: number }>(
    `select count(distinct t.shard)::int as n from reconcile_targets t join sync_runs r on r.id = t.run_id where r.workflow_id = $1`,
    [run.workflowId],
  );
  const killed = markLog(d.sim);
  await d.startWorker(worker);
  const outcome = await resultThroughRestarts(run);
  if (outcome !== 'succeeded') throw new Error(`after the worker died at ${point} the run ${outcome}`);
  const { rows } = await d.db.query<{ n: number }>('select count(*)::int as n from sync_runs');
  if (rows[0]!.n !== 1) throw new Error(`${rows[0]!.n} run rows for one run`);
  const attempts = await activityAttempts(run);
  const activity = KILLED_ACTIVITY[point];
  if (activity && (attempts.get(activity)?.lastAttempt ?? 0) < 2) throw new Error(`Temporal's history shows no retry of ${activity}: ${JSON.stringify(attempts.get(activity))}`);

  if (point === 'pull:afterRecord') {
    // Other pulls were in flight and resume from their heartbeats; the recorded ones read nothing.
    // The killed worker's own streams: the other worker's pulls went on undisturbed.
    const discovery = (stream: string) => (PULLED_STREAMS as Record<string, { discovery?: boolean }>)[stream]?.discovery === true;
    const streams = recorded.rows.map((r) => r.stream).filter((stream) => discovery(stream) === (worker === 'discovery'));
    if (streams.length === 0) throw new Error(`no stream of the ${worker} worker had recorded its end when it died`);
    const after = readsSince(d.sim, killed);
    const again = streams.filter((stream) => readsOf(after, stream).length > 0);
    if (again.length > 0) throw new Error(`recorded before the kill, read again after it: ${again.join(', ')}`);
    return { outcome: 'succeeded', detail: `${worker} worker died at ${point}; recorded ${streams.join(', ')}, none read again` };
  }
  // Nothing else of the run was in flight on this worker, except the pulls beside
  // planReconciliation (its first wave waits only for the apps and service principals; workflows/entraSync.ts),
  // which resume from their heartbeats: the run reads what the clean run reads; for the plan,
  // its targets' sub-requests.
  const targetReads = (reads: Map<string, number>) => new Map([...reads].filter(([path]) => /^\$batch \/v1\.0\/(applications|servicePrincipals)\//.test(path)));
  const scope = point === 'planReconciliation:afterCommit' ? targetReads : (reads: Map<string, number>) => reads;
  await noNextTablesLeft(d);
  if (built) {
    const { rows: attached } = await d.db.query<{ tables: string[] | null }>('select built_tables as tables from sync_runs where workflow_id = $1', [run.workflowId]);
    if (attached[0]?.tables?.length !== 4) throw new Error(`the retried run attached ${JSON.stringify(attached[0]?.tables)}, not the four tables a first bootstrap builds`);
  }
  if (point.startsWith('build:')) {
    // Every pull in flight on the killed worker resumes from its last (throttled) heartbeat, so
    // reads are not compared; the digest against the clean run is (runner.ts).
    return { outcome: 'succeeded', detail: `${worker} worker died after building ${built!.join(', ')} (none visible); the run attached all four` };
  }
  const differences = readDifferences(scope(readCounts(readsSince(d.sim, started))), scope(baseline.reads));
  if (differences.length > 0) throw new Error(`the run read differently from the clean run: ${differences.join('; ')}`);
  let detail = `${worker} worker died at ${point}; ${activity} retried (attempt ${attempts.get(activity!)?.lastAttempt}), Graph read as in the clean run`;
  if (point === 'planReconciliation:afterCommit') {
    // The scenario is a bootstrap: the first wave reads every target ('bootstrap') and the audit
    // wave adds none, so every shard that ran is one the killed plan committed.
    const ran = attempts.get('reconcileShard')?.scheduled ?? 0;
    if (shards.rows[0]!.n === 0 || ran !== shards.rows[0]!.n) throw new Error(`the killed plan committed ${shards.rows[0]!.n} shards; ${ran} ran`);
    detail = `${worker} worker died at ${point}; ${activity} retried (attempt ${attempts.get(activity!)?.lastAttempt}); the ${ran} committed shards ran, each target read once as in the clean run`;
  }
  if (point === 'finalize:afterCommit') {
    const summary = await run.result();
    const counts = (streams: typeof summary.streams) => JSON.stringify(Object.entries(streams).map(([stream, s]) => [stream, s.upserted, s.removed]).sort());
    if (counts(summary.streams) !== counts(baseline.summary.streams)) throw new Error(`the retried finalize returned ${counts(summary.streams)}; the clean run committed ${counts(baseline.summary.streams)}`);
    detail += '; the retry returned the clean run\'s counts';
  }
  return { outcome: 'succeeded', detail };
}

/** While the worker is dead after a kill in the build or the swap: the run's next tables, with the connector's rows still absent. */
async function builtButInvisible(d: Deployment, workflowId: string): Promise<string[]> {
  const { rows } = await d.db.query<{ name: string }>(
    `select c.relname as name from pg_class c join sync_runs r on c.relname like '%\\_next\\_r' || r.id
      where c.relnamespace = 'connector_partitions'::regnamespace and c.relkind = 'r' and r.workflow_id = $1 order by 1`,
    [workflowId],
  );
  if (rows.length === 0) throw new Error('the worker died with no next table built');
  const visible = await d.db.query<{ n: number }>('select count(*)::int as n from users where connector_id = $1', [d.connectorId]);
  if (visible.rows[0]!.n !== 0) throw new Error(`${visible.rows[0]!.n} users of the connector visible before its first commit`);
  return rows.map((r) => r.name);
}

/** Whatever a run built and did not swap in is gone once it ended (docs/bootstrap-swap.md). */
export async function noNextTablesLeft(d: Deployment): Promise<void> {
  const { rows } = await d.db.query<{ name: string }>(
    `select relname as name from pg_class where relnamespace = 'connector_partitions'::regnamespace and relkind = 'r' and relname like '%\\_next\\_r%'`,
  );
  if (rows.length > 0) throw new Error(`next tables left behind after the run ended: ${rows.map((r) => r.name).join(', ')}`);
}

/** failRun killed after its commit: the run still ends failed on both sides, and the next run commits. */
async function failRunKilled(d: Deployment): Promise<ScenarioOutcome> {
  await d.startWorkers({ sync: { [KILL_AT_VARIABLE]: 'failRun:afterCommit' } });
  const denied = d.sim.faults.add({ pathPrefix: '/v1.0/groups/delta', status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.', times: 1_000 });
  try {
    const run = await d.startRun();
    await d.workerDied('sync');
    await d.startWorker('sync');
    const outcome = await resultThroughRestarts(run);
    const { rows } = await d.db.query<{ status: string; errorKind: string }>(`select status, error_kind as "errorKind" from sync_runs where workflow_id = $1`, [run.workflowId]);
    if (!outcome.includes('Group.Read.All') || rows[0]?.status !== 'failed' || rows[0].errorKind !== 'MissingPermission') {
      throw new Error(`Temporal: ${outcome}; PostgreSQL: ${JSON.stringify(rows[0])}`);
    }
  } finally {
    d.sim.faults.remove(denied.id);
  }
  const next = await resultThroughRestarts(await d.startRun());
  if (next !== 'succeeded') throw new Error(`the run after the permission came back ${next}`);
  const runs = await d.db.query<{ status: string }>('select status from sync_runs order by id');
  if (runs.rows.map((r) => r.status).join() !== 'failed,succeeded') throw new Error(`run rows: ${runs.rows.map((r) => r.status).join(', ')}; one failed and one succeeded were expected`);
  return { outcome: 'failed, then succeeded', detail: 'worker died after failRun committed; both sides said MissingPermission' };
}

/** Holds the nth request under `path`, restarts a server under the parked run, then lets it go. */
async function restartUnderRun(stack: Stack, d: Deployment, server: 'PostgreSQL' | 'Temporal', path: string, nth: number): Promise<ScenarioOutcome> {
  await d.startWorkers();
  const hold = d.sim.faults.add({ pathPrefix: path, kind: 'hold', nth });
  try {
    const run = await d.startRun();
    await untilHeld(d.sim, hold.id);
    await (server === 'PostgreSQL' ? stack.restartPostgres() : stack.restartTemporal());
    const restarted = markLog(d.sim);
    d.sim.faults.remove(hold.id);
    const outcome = await resultThroughRestarts(run);
    if (outcome !== 'succeeded') throw new Error(`after the ${server} restart the run ${outcome}`);
    // A retry resumes from its heartbeat: no request after the restart starts the round over.
    const firstPages = readsSince(d.sim, restarted).requests.filter((e) => e.path.startsWith(path) && !e.path.includes('$skiptoken') && !e.path.includes('$deltatoken'));
    if (firstPages.length > 0) throw new Error(`after the ${server} restart ${path} was read from its first page again`);
    return { outcome: 'succeeded', detail: `${server} restarted while request ${nth} of ${path} was held; no first page read again` };
  } finally {
    d.sim.faults.remove(hold.id);
  }
}

/** Restarts PostgreSQL while finalize waits on the connector row: its transaction dies, the retry commits. */
async function restartPostgresInFinalize(stack: Stack, d: Deployment): Promise<ScenarioOutcome> {
  await d.startWorkers();
  const { run, held } = await startRunHeldAtCommit(d);
  await untilFinalizeWaits(d);
  // The restart ends every session: the holder's and the finalize's transactions both roll back.
  await stack.restartPostgres();
  await held.release();
  const outcome = await resultThroughRestarts(run);
  if (outcome !== 'succeeded') throw new Error(`after the restart the run ${outcome}`);
  return { outcome: 'succeeded', detail: 'PostgreSQL restarted under an open finalize transaction' };
}

export function phaseCrashScenarios(stack: Stack): Scenario[] {
  return [
    ...SELF_KILLS.map(({ point, proves, worker = 'sync', reduced }): Scenario => ({
      suite: 'crash',
      name: `${worker} worker killed at ${point}`,
      proves,
      reduced,
      run: (d, baseline) => selfKill(d, point as Exclude<KillPoint, 'failRun:afterCommit'>, worker, baseline),
    })),
    { suite: 'crash', name: 'sync worker killed at failRun:afterCommit', proves: 'a failed run is recorded once (one failed row), the same on both sides (MissingPermission), and the next run commits', run: failRunKilled },
    {
      suite: 'crash',
      name: 'PostgreSQL restarted mid-pull',
      proves: 'a pull whose database connection died retries from its heartbeat: no first page read again',
      run: (d) => restartUnderRun(stack, d, 'PostgreSQL', '/v1.0/users/delta', 3),
    },
    { suite: 'crash', name: 'PostgreSQL restarted mid-finalize', proves: 'a finalize transaction cut by a restart commits nothing; the retry commits once', run: (d) => restartPostgresInFinalize(stack, d) },
    {
      suite: 'crash',
      name: 'Temporal dev server restarted mid-run',
      proves: 'workers and the run survive the Temporal service going away and coming back; the held pull does not start over',
      run: (d) => restartUnderRun(stack, d, 'Temporal', '/v1.0/users/delta', 3),
    },
  ];
}
