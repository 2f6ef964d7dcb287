import type { WorkflowHandle } from '@temporalio/client';
import { KILL_AT_VARIABLE, type KillPoint } from '../activities/killPoint';
import type { Scenario, ScenarioOutcome } from './scenario';
import type { Deployment, Stack, WorkerKind } from './stack';
import { until, untilHeld } from './waits';
import { holdCommit, untilFinalizeWaits } from './commitHold';

/**
 * Crashes no Graph request marks: the worker kills itself at a named point of a run's own work
 * (activities/killPoint.ts), and the servers under a run restart. Each run must still end as a
 * clean run would, or fail with its documented error and change nothing.
 */
type SelfKill = { point: KillPoint; proves: string; worker?: WorkerKind; reduced?: boolean };

const SELF_KILLS: SelfKill[] = [
  { point: 'prepareRun:afterCommit', proves: 'a retried prepareRun returns the run it opened; no second row' },
  { point: 'pull:afterRecord', proves: 'between pulls: a pull that recorded its end is not read again by its retry' },
  { point: 'pull:afterRecord', worker: 'discovery', proves: 'the discovery worker lost between its pulls: a finished source is not read again' },
  { point: 'planReconciliation:afterCommit', proves: 'a retried plan returns the same shards' },
  { point: 'finalize:beforeCommit', proves: 'a finalize lost before its commit changes nothing; its retry commits once' },
  { point: 'finalize:afterCommit', proves: 'a finalize lost after its commit is not applied twice: the retry returns the committed summary', reduced: true },
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

async function selfKill(d: Deployment, point: KillPoint, worker: WorkerKind): Promise<ScenarioOutcome> {
  await d.startWorkers({ [worker]: { [KILL_AT_VARIABLE]: point } });
  const run = await d.startRun();
  await d.workerDied(worker);
  await d.startWorker(worker);
  const outcome = await resultThroughRestarts(run);
  if (outcome !== 'succeeded') throw new Error(`after the worker died at ${point} the run ${outcome}`);
  const { rows } = await d.db.query<{ n: number }>('select count(*)::int as n from sync_runs');
  if (rows[0]!.n !== 1) throw new Error(`${rows[0]!.n} run rows for one run`);
  return { outcome: 'succeeded', detail: `${worker} worker died at ${point}` };
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
    d.sim.faults.remove(hold.id);
    const outcome = await resultThroughRestarts(run);
    if (outcome !== 'succeeded') throw new Error(`after the ${server} restart the run ${outcome}`);
    return { outcome: 'succeeded', detail: `${server} restarted while request ${nth} of ${path} was held` };
  } finally {
    d.sim.faults.remove(hold.id);
  }
}

/** Restarts PostgreSQL while finalize waits on the connector row: its transaction dies, the retry commits. */
async function restartPostgresInFinalize(stack: Stack, d: Deployment): Promise<ScenarioOutcome> {
  await d.startWorkers();
  const held = await holdCommit(d, d.connectorId);
  const run = await d.startRun();
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
      run: (d) => selfKill(d, point, worker),
    })),
    { suite: 'crash', name: 'sync worker killed at failRun:afterCommit', proves: 'a failed run is recorded once, the same on both sides, and the next run commits', run: failRunKilled },
    {
      suite: 'crash',
      name: 'PostgreSQL restarted mid-pull',
      proves: 'a pull whose database connection died retries from its heartbeat',
      run: (d) => restartUnderRun(stack, d, 'PostgreSQL', '/v1.0/users/delta', 3),
    },
    { suite: 'crash', name: 'PostgreSQL restarted mid-finalize', proves: 'a finalize transaction cut by a restart commits nothing; the retry commits once', run: (d) => restartPostgresInFinalize(stack, d) },
    {
      suite: 'crash',
      name: 'Temporal dev server restarted mid-run',
      proves: 'workers and the run survive the Temporal service going away and coming back',
      run: (d) => restartUnderRun(stack, d, 'Temporal', '/v1.0/users/delta', 3),
    },
  ];
}
