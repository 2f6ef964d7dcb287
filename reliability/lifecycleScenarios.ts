import type { WorkflowHandle } from '@temporalio/client';
import type { Scenario, ScenarioOutcome } from './scenario';
import type { Deployment } from './stack';
import { describePoint, resetTo, type ResetPoint } from './resets';
import { until, untilHeld } from './waits';
import { startRunHeldAtCommit, untilFinalizeWaits } from './commitHold';
import { outcomeOf, succeeds } from './runOutcome';

type RunRow = { id: number; status: string; errorKind: string | null; reopened: number; discarded: boolean; finalizeStartedAt: Date | null; finishedAt: Date | null };

/** Every row of the workflow id's runs, oldest first. */
async function runsOf(d: Deployment, workflowId: string): Promise<RunRow[]> {
  const { rows } = await d.db.query<RunRow>(
    `select id::int, status, error_kind as "errorKind", reopened, staging_discarded_at is not null as discarded,
            finalize_started_at as "finalizeStartedAt", finished_at as "finishedAt"
       from sync_runs where workflow_id = $1 order by id`,
    [workflowId],
  );
  return rows;
}

function check(holds: boolean, what: string): void {
  if (!holds) throw new Error(what);
}

/**
 * A permission the workers' database role lacks, as a misconfigured grant would show it: writes of
 * delta cursors fail with SQLSTATE 42501, so a run fails in finalize until the grant is back.
 */
const DENY_CURSOR_WRITES = `
  create or replace function reliability_deny() returns trigger language plpgsql as $$
  begin raise exception 'permission denied for table delta_cursors' using errcode = '42501'; end $$;
  create trigger reliability_deny before insert or update on delta_cursors for each statement execute function reliability_deny();`;
const GRANT_CURSOR_WRITES = 'drop trigger reliability_deny on delta_cursors';

/** A run that fails in finalize, its cause then fixed: what an operator resets. */
async function failInFinalize(d: Deployment): Promise<WorkflowHandle> {
  await d.db.query(DENY_CURSOR_WRITES);
  const handle = await d.startRun();
  const outcome = await outcomeOf(handle);
  await d.db.query(GRANT_CURSOR_WRITES);
  check(outcome.startsWith('failed') && outcome.includes('permission denied'), `the run was to fail in finalize; it ${outcome}`);
  const [run] = await runsOf(d, handle.workflowId);
  check(run?.status === 'failed' && run.errorKind === 'DatabasePermissionDenied', `the run row is ${JSON.stringify(run)}`);
  check(run!.discarded === false, 'the failed run discarded the staging a reset resumes from');
  return handle;
}

/** Graph requests under `path` since `from` in the simulator's log. */
const requestsSince = (d: Deployment, from: number, path: string) => d.sim.requestLog.entries().slice(from).filter((e) => e.path.startsWith(path)).length;

async function resetFailedRun(d: Deployment, point: ResetPoint): Promise<ScenarioOutcome> {
  await d.startWorkers();
  const failed = await failInFinalize(d);
  const [original] = await runsOf(d, failed.workflowId);
  const logMark = d.sim.requestLog.entries().length;
  const outcome = await outcomeOf(await resetTo(d.client, failed, point));
  check(outcome === 'succeeded', `after the reset the workflow ${outcome}`);
  const runs = await runsOf(d, failed.workflowId);
  const deltaRequests = requestsSince(d, logMark, '/v1.0/users/delta');
  if (typeof point === 'object') {
    // Resumed: the failed row was reopened and committed, from what it had staged.
    check(runs.length === 1 && runs[0]!.status === 'succeeded' && runs[0]!.reopened === 1, `runs after the reset: ${JSON.stringify(runs)}`);
    check(deltaRequests === 0, `the reset re-read users/delta ${deltaRequests} times instead of resuming from staging`);
    return { outcome: 'succeeded', detail: `run ${original!.id} reopened and committed with no delta re-read` };
  }
  // Started afresh: a new row committed; the failed one stays failed, its staging gone.
  const fresh = runs.at(-1)!;
  check(runs.length === 2 && fresh.status === 'succeeded', `runs after the reset: ${JSON.stringify(runs)}`);
  check(runs[0]!.status === 'failed' && runs[0]!.discarded, `the failed run after the reset: ${JSON.stringify(runs[0])}`);
  return { outcome: 'succeeded', detail: `fresh run ${fresh.id} committed (${deltaRequests} users/delta requests)` };
}

/** A change the tenant makes between two runs, undone at the end so the digest matches the clean run's. */
async function withDepartmentChange<T>(d: Deployment, body: (userId: string, department: string) => Promise<T>): Promise<T> {
  const user = d.sim.tenant.activeUsers().find((u) => typeof u.department === 'string');
  if (!user) throw new Error('no user of the tenant has a department to change');
  const before = user.department!;
  const changed = `Reliability ${Date.now()}`;
  d.sim.tenant.updateUser(user.id, { department: changed });
  try {
    return await body(user.id, changed);
  } finally {
    d.sim.tenant.updateUser(user.id, { department: before });
  }
}

async function resetOldSucceededRun(d: Deployment): Promise<ScenarioOutcome> {
  await d.startWorkers();
  const old = await d.startRun();
  await succeeds(old, 'the first run');
  const details: string[] = [];
  await withDepartmentChange(d, async (userId, department) => {
    const newer = await d.startRun();
    await succeeds(newer, 'the newer run');
    const [committed] = await runsOf(d, newer.workflowId);
    for (const point of [{ after: 'prepareRun' }, { after: 'reconcileShard' }, 'last workflow task'] as const) {
      const outcome = await outcomeOf(await resetTo(d.client, d.client.workflow.getHandle(old.workflowId, old.firstExecutionRunId), point));
      check(outcome === 'succeeded', `the reset ${describePoint(point)} ${outcome}`);
      const { rows } = await d.db.query(`select data->>'department' as department from users where connector_id = $1 and id = $2`, [d.connectorId, userId]);
      check(rows[0]?.department === department, `after a reset ${describePoint(point)} of the old run the user's department went back to ${rows[0]?.department}`);
      const cursors = await d.db.query<{ syncRunId: number }>('select run_id::int as "syncRunId" from delta_cursors where connector_id = $1', [d.connectorId]);
      check(cursors.rows.every((c) => c.syncRunId >= committed!.id), `a cursor went back to an older run: ${JSON.stringify(cursors.rows)}`);
      const [first] = await runsOf(d, old.workflowId);
      check(first!.status === 'succeeded' && first!.reopened === 0, `the old run's row changed: ${JSON.stringify(first)}`);
      details.push(describePoint(point));
    }
  });
  // The tenant is back as the clean run saw it; one more run brings the copy there too.
  await succeeds(await d.startRun(), 'the run after the change was undone');
  return { outcome: 'succeeded', detail: `nothing went backwards after resets ${details.join(', ')}` };
}

async function overlappingRuns(d: Deployment): Promise<ScenarioOutcome> {
  await d.startWorkers();
  await succeeds(await d.startRun(), 'the first run');
  // A quiet tenant: both runs read the same unchanged rounds and get the same delta links back.
  const hold = d.sim.faults.add({ pathPrefix: '/v1.0/users/delta', kind: 'hold', nth: 1 });
  try {
    const first = await d.startRun();
    await untilHeld(d.sim, hold.id);
    const second = await d.startRun();
    const secondOutcome = await outcomeOf(second);
    d.sim.faults.remove(hold.id);
    const firstOutcome = await outcomeOf(first);
    check(secondOutcome === 'succeeded', `the run that was not held ${secondOutcome}`);
    check(firstOutcome.includes('committed after run'), `the held run ${firstOutcome}; it should have lost the compare-and-set`);
    const [held] = await runsOf(d, first.workflowId);
    check(held!.status === 'failed' && held!.errorKind === 'CursorConflict', `the held run's row: ${JSON.stringify(held)}`);
    const links = await d.db.query<{ same: boolean }>(
      `select bool_and(a.start_link = b.start_link and a.delta_link = b.delta_link) as same
         from sync_run_streams a join sync_run_streams b on a.stream = b.stream
        where a.run_id = $1 and b.run_id = (select id from sync_runs where workflow_id = $2) and a.stream = 'users'`,
      [held!.id, second.workflowId],
    );
    check(links.rows[0]?.same === true, 'the two runs did not see identical users delta links; the scenario proves nothing');
    return { outcome: 'one of two committed', detail: 'identical delta links; the held run failed with CursorConflict' };
  } finally {
    d.sim.faults.remove(hold.id);
  }
}

async function terminateMidway(d: Deployment, path: string, nth: number): Promise<ScenarioOutcome> {
  await d.startWorkers();
  const hold = d.sim.faults.add({ pathPrefix: path, kind: 'hold', nth });
  try {
    const doomed = await d.startRun();
    await untilHeld(d.sim, hold.id);
    await until('staging rows of the doomed run', async () => ((await d.db.query('select 1 from staged_objects limit 1')).rowCount ? true : undefined));
    await doomed.terminate('reliability: terminated mid-run');
    const next = await d.startRun();
    await succeeds(next, 'the run after the terminated one');
    d.sim.faults.remove(hold.id);
    const [abandoned] = await runsOf(d, doomed.workflowId);
    check(abandoned!.status === 'abandoned' && abandoned!.discarded, `the terminated run's row: ${JSON.stringify(abandoned)}`);
    return { outcome: 'succeeded', detail: `terminated run ${abandoned!.id} abandoned by the next run's janitor` };
  } finally {
    d.sim.faults.remove(hold.id);
  }
}

/**
 * A run terminated mid-pull while its connector is then disabled and its schedule paused: no
 * prepareRun comes to end it, so the CLI's own janitor must (issue 25, item 3). `runs list`
 * shows it abandoned; a second such run does not block `connector update --reset-data`.
 */
async function terminatedThenDisabled(d: Deployment): Promise<ScenarioOutcome> {
  await d.startWorkers();
  const terminateHeld = async () => {
    const hold = d.sim.faults.add({ pathPrefix: '/v1.0/users/delta', kind: 'hold', nth: 2 });
    try {
      const doomed = await d.startRun();
      await untilHeld(d.sim, hold.id);
      await until('staging rows of the doomed run', async () => ((await d.db.query('select 1 from staged_objects limit 1')).rowCount ? true : undefined));
      await doomed.terminate('reliability: terminated mid-run');
      await cli(d, ['connector', 'update', d.connectorId, '--disable']);
      const [row] = await runsOf(d, doomed.workflowId);
      check(row!.status === 'running', `before the CLI, the terminated run's row is still running: ${JSON.stringify(row)}`);
      return row!.id;
    } finally {
      d.sim.faults.remove(hold.id);
    }
  };
  const listed = await terminateHeld();
  const runs = JSON.parse(await cli(d, ['runs', 'list', '--connector', d.connectorId, '--json'])) as Array<{ id: number; status: string; errorKind: string | null }>;
  const shown = runs.find((r) => r.id === listed);
  check(shown?.status === 'abandoned' && shown.errorKind === 'Abandoned', `runs list shows the terminated run as ${JSON.stringify(shown)}`);
  await cli(d, ['connector', 'update', d.connectorId, '--enable']);
  const reset = await terminateHeld();
  await cli(d, ['connector', 'update', d.connectorId, '--reset-data']);
  const ended = (await d.db.query<{ status: string; discarded: boolean }>('select status, staging_discarded_at is not null as discarded from sync_runs where id = $1', [reset])).rows[0];
  check(ended?.status === 'abandoned' && ended.discarded, `the terminated run's row after the reset: ${JSON.stringify(ended)}`);
  const staged = await d.db.query('select 1 from staged_objects where run_id = any($1) limit 1', [[listed, reset]]);
  check(staged.rowCount === 0, 'staged rows of the terminated runs are left');
  await cli(d, ['connector', 'update', d.connectorId, '--enable']);
  await succeeds(await d.startRun(), 'the run after the reset');
  return { outcome: 'succeeded', detail: `runs list ended run ${listed}; connector update --reset-data ended run ${reset} and reset`, connectorResets: 1 };
}

/** Runs the CLI; fails the scenario with its output unless it exits 0. */
async function cli(d: Deployment, args: string[]): Promise<string> {
  const run = await d.cli(args);
  check(run.code === 0, `entra-sync ${args.join(' ')} exited ${run.code}: ${run.stderr.trim() || run.stdout.trim()}`);
  return run.stdout;
}

async function cancelDuringFinalize(d: Deployment): Promise<ScenarioOutcome> {
  await d.startWorkers();
  const { run, held } = await startRunHeldAtCommit(d);
  let released = false;
  try {
    await untilFinalizeWaits(d);
    await run.cancel();
    await until('the cancel request in history', async () => ((await run.fetchHistory()).events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes) ? true : undefined));
    await held.release();
    released = true;
    const outcome = await outcomeOf(run);
    const status = (await run.describe()).status.name;
    const [row] = await runsOf(d, run.workflowId);
    check(outcome === 'succeeded' && status === 'COMPLETED' && row!.status === 'succeeded', `Temporal says ${status} (${outcome}), PostgreSQL says ${row!.status}`);
    return { outcome: 'succeeded', detail: 'cancel during finalize: Temporal COMPLETED, PostgreSQL succeeded' };
  } finally {
    if (!released) await held.release();
  }
}

async function twoConnectorsFinalizing(d: Deployment): Promise<ScenarioOutcome> {
  await d.startWorkers();
  const other = 'second';
  await d.addConnector(other);
  // The held one has committed before: a connector's first commit attaches the tables its pulls
  // built, and two first commits attach one after the other (docs/bootstrap-swap.md).
  await succeeds(await d.startRun(other), 'the held connector\'s first run');
  const { run: waiting, held } = await startRunHeldAtCommit(d, other);
  let released = false;
  try {
    await untilFinalizeWaits(d);
    // The other connector's finalize runs from start to commit while the first holds its transaction open.
    const free = await d.startRun();
    await succeeds(free, 'the free connector run');
    await held.release();
    released = true;
    await succeeds(waiting, 'the held connector run');
    const a = (await runsOf(d, waiting.workflowId)).at(-1);
    const [b] = await runsOf(d, free.workflowId);
    check(a!.finalizeStartedAt! < b!.finishedAt! && b!.finalizeStartedAt! < a!.finishedAt!, `the finalizes did not overlap: ${JSON.stringify({ a, b })}`);
    const overlapMs = Math.min(a!.finishedAt!.getTime(), b!.finishedAt!.getTime()) - Math.max(a!.finalizeStartedAt!.getTime(), b!.finalizeStartedAt!.getTime());
    return { outcome: 'succeeded', detail: `finalizes overlapped ${overlapMs} ms; the free one committed while the other held its transaction` };
  } finally {
    if (!released) await held.release();
  }
}

const RESET_POINTS: Array<{ point: ResetPoint; proves: string }> = [
  { point: 'first workflow task', proves: 'a reset to the first workflow task runs a fresh sync; the failed run keeps nothing' },
  { point: 'last workflow task', proves: 'a reset past the recorded failure starts over as a fresh sync (continue-as-new) instead of failing again' },
  { point: { after: 'prepareRun' }, proves: 'a reset after prepareRun reopens the failed run and resumes from its staging, re-reading nothing' },
  { point: { after: 'reconcileShard' }, proves: 'a reset after reconciliation re-reads nothing: finalize runs again (and a plan that returns what it planned)' },
];

/** None is in the reduced set: the test suite runs all of them (test/runLifecycle.test.ts, test/runLifecycleEndings.test.ts). */
export function lifecycleScenarios(): Scenario[] {
  return [
    ...RESET_POINTS.map(({ point, proves }): Scenario => ({
      suite: 'lifecycle',
      name: `reset of a failed run to ${describePoint(point)}`,
      proves,
      run: (d) => resetFailedRun(d, point),
    })),
    {
      suite: 'lifecycle',
      name: 'resets of an old succeeded run after a newer one committed',
      proves: 'no row or cursor goes backwards: the reset execution starts over from the newest committed state',
      run: resetOldSucceededRun,
    },
    {
      suite: 'lifecycle',
      name: 'two overlapping runs with identical delta links',
      proves: 'exactly one commits; the other fails with CursorConflict although the links it started from are unchanged',
      run: overlappingRuns,
    },
    {
      suite: 'lifecycle',
      name: 'terminated mid-pull',
      proves: 'the janitor marks the run abandoned and deletes its staging; nothing stays running',
      run: (d) => terminateMidway(d, '/v1.0/users/delta', 2),
    },
    {
      suite: 'lifecycle',
      name: 'terminated mid-pull, connector then disabled',
      proves: 'runs list and connector update --reset-data end the stale running row themselves: the reset is not refused',
      run: terminatedThenDisabled,
    },
    {
      suite: 'lifecycle',
      name: 'terminated mid-reconciliation',
      proves: 'the janitor also ends a run whose reconcile progress and relationship staging were written',
      run: (d) => terminateMidway(d, '/v1.0/$batch', 2),
    },
    {
      suite: 'lifecycle',
      name: 'cancel during finalize',
      proves: 'finalize runs to its end: Temporal and PostgreSQL both say succeeded',
      run: cancelDuringFinalize,
    },
    {
      suite: 'lifecycle',
      name: 'two connectors finalizing at once',
      proves: "one connector's finalize never waits for another's: both transactions overlap",
      run: twoConnectorsFinalizing,
    },
  ];
}
