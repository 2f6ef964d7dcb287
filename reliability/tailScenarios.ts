import type { WorkflowHandle } from '@temporalio/client';
import { KILL_AT_VARIABLE } from '../activities/killPoint';
import { setConnectorTail } from '../activities/store/connectorTail';
import { EntraTailWorkflow, tailStatusQuery, triggerSignal, type TailStatus } from '../workflows/entraTail';
import { tailWorkflowId } from '../workflows/ids';
import type { Scenario, ScenarioOutcome } from './scenario';
import type { Deployment, Stack } from './stack';
import { until, untilHeld } from './waits';
import { holdConnectorRow, untilConnectorLockWaiters } from './commitHold';

/**
 * Tail passes disturbed (docs/run-lifecycle.md, "Tail passes and full runs"): each scenario
 * bootstraps with a full run, turns the tail on (its first pass starts at once; the backstop is an
 * hour, so nothing else starts one), disturbs that pass, waits for the tail to settle, and turns the
 * tail off. The runner then checks the tables equal a clean run's and the tenant's, that no staging
 * is left and no run is marked running, and that a full run after a tenant change lands it.
 */
const USERS_DELTA = '/v1.0/users/delta';

export type Tail = { handle: WorkflowHandle<typeof EntraTailWorkflow>; status: () => Promise<TailStatus> };

export async function startTail(d: Deployment): Promise<Tail> {
  await setConnectorTail(d.db, d.connectorId, { enabled: true, intervalSeconds: 3600 });
  // A tail of an earlier scenario (same connector id, shared Temporal) ended with it.
  const handle = await d.client.workflow.start(EntraTailWorkflow, { taskQueue: d.syncTaskQueue, workflowId: tailWorkflowId(d.connectorId), args: [{ connectorId: d.connectorId }] });
  return { handle, status: () => handle.query(tailStatusQuery) };
}

export const statusWhen = (tail: Tail, what: string, check: (s: TailStatus) => boolean) =>
  until(what, async () => {
    const s = await tail.status().catch(() => undefined);
    return s && check(s) ? s : undefined;
  });

/** Turns the tail off and waits for its workflow to end cleanly. */
export async function stopTail(d: Deployment, tail: Tail): Promise<string> {
  await setConnectorTail(d.db, d.connectorId, { enabled: false, intervalSeconds: null });
  await tail.handle.signal(triggerSignal, { reason: 'scenario over' }).catch(() => undefined);
  const end = await tail.handle.result();
  return end.stoppedBecause;
}

type PassRow = { status: string; errorKind: string | null; reopened: number };
const passRow = async (d: Deployment, syncRunId: number) =>
  (await d.db.query<PassRow>('select status, error_kind as "errorKind", reopened from sync_runs where id = $1', [syncRunId])).rows[0];

/** The full runs of the connector that did not succeed, or failed with CursorConflict, or were reopened: none may be. */
async function hurtFullRuns(d: Deployment): Promise<string[]> {
  const { rows } = await d.db.query<{ id: string; status: string; errorKind: string | null }>(
    `select id::text, status, error_kind as "errorKind" from sync_runs where kind = 'full' and (status <> 'succeeded' or reopened > 0)`,
  );
  return rows.map((r) => `full run ${r.id} ${r.status}${r.errorKind ? ` (${r.errorKind})` : ''}`);
}

async function committedPass(d: Deployment, status: TailStatus): Promise<void> {
  if (status.lastPass?.outcome !== 'committed') throw new Error(`the pass did not commit: ${JSON.stringify(status.lastPass)}`);
  const row = await passRow(d, status.lastPass.syncRunId);
  if (row?.status !== 'succeeded') throw new Error(`pass ${status.lastPass.syncRunId} is ${JSON.stringify(row)}`);
}

async function killedMidPass(d: Deployment): Promise<ScenarioOutcome> {
  await d.startWorkers();
  const full = await d.startRun();
  await full.result();
  const hold = d.sim.faults.add({ pathPrefix: USERS_DELTA, kind: 'hold', nth: 1 });
  const tail = await startTail(d);
  try {
    await untilHeld(d.sim, hold.id);
    await d.killWorker('sync');
    d.sim.faults.remove(hold.id);
    await d.startWorker('sync');
    const settled = await statusWhen(tail, 'the pass to end after the kill', (s) => s.passes >= 1 && s.state === 'waiting');
    await committedPass(d, settled);
    return { outcome: 'pass committed', detail: `killed on the pass's users delta read; then ${await stopTail(d, tail)}` };
  } finally {
    d.sim.faults.remove(hold.id);
  }
}

async function killedInPassCommit(d: Deployment): Promise<ScenarioOutcome> {
  await d.startWorkers();
  const full = await d.startRun();
  await full.result();
  // The worker that runs the pass kills itself inside the pass's finalize transaction.
  await d.killWorker('sync');
  await d.startWorker('sync', { [KILL_AT_VARIABLE]: 'finalize:beforeCommit' });
  const tail = await startTail(d);
  await d.workerDied('sync');
  await d.startWorker('sync');
  const settled = await statusWhen(tail, 'the pass to end after the kill', (s) => s.passes >= 1 && s.state === 'waiting');
  await committedPass(d, settled);
  return { outcome: 'pass committed once', detail: `killed before the pass's commit; then ${await stopTail(d, tail)}` };
}

async function fullCommitsDuringPass(d: Deployment): Promise<ScenarioOutcome> {
  await d.startWorkers();
  const first = await d.startRun();
  await first.result();
  const hold = d.sim.faults.add({ pathPrefix: USERS_DELTA, kind: 'hold', nth: 1 });
  const tail = await startTail(d);
  try {
    await untilHeld(d.sim, hold.id);
    // The full run reads and commits while the pass waits on Graph.
    await (await d.startRun()).result();
    d.sim.faults.remove(hold.id);
    const settled = await statusWhen(tail, 'the held pass to end', (s) => s.passes >= 1 && s.state === 'waiting');
    if (settled.lastPass?.outcome !== 'yielded') throw new Error(`the pass did not yield: ${JSON.stringify(settled.lastPass)}`);
    const row = await passRow(d, settled.lastPass.syncRunId);
    if (row?.errorKind !== 'TailPassYielded') throw new Error(`pass ${settled.lastPass.syncRunId} is ${JSON.stringify(row)}`);
    const hurt = await hurtFullRuns(d);
    if (hurt.length) throw new Error(`full runs hurt: ${hurt.join(', ')}`);
    return { outcome: 'full run committed, pass yielded', detail: `no full run failed, retried or reopened; then ${await stopTail(d, tail)}` };
  } finally {
    d.sim.faults.remove(hold.id);
  }
}

/**
 * After a first full run, starts the tail and holds its first pass in its commit: the pass's
 * first users delta request is held while another session takes the connector row, then the pass
 * goes on until its finalize waits on that row. `release` lets the row go.
 */
async function passHeldInCommit(d: Deployment) {
  await d.startWorkers();
  await (await d.startRun()).result();
  const opened = d.sim.faults.add({ pathPrefix: USERS_DELTA, kind: 'hold', nth: 1 });
  const tail = await startTail(d);
  try {
    await untilHeld(d.sim, opened.id);
    const { release } = await holdConnectorRow(d);
    d.sim.faults.remove(opened.id);
    try {
      await untilConnectorLockWaiters(d, 1, 'the pass waiting in its commit');
    } catch (err) {
      await release();
      throw err;
    }
    return { tail, release };
  } finally {
    d.sim.faults.remove(opened.id);
  }
}

async function passCommitsWhileFullOpens(d: Deployment): Promise<ScenarioOutcome> {
  // The pass's finalize queues on the held connector row first, the full run's opening after it.
  const { tail, release } = await passHeldInCommit(d);
  try {
    const full = await d.startRun();
    await untilConnectorLockWaiters(d, 2, 'the full run waiting on it too');
    await release();
    await full.result();
    const settled = await statusWhen(tail, 'the pass to end', (s) => s.passes >= 1 && s.state === 'waiting');
    await committedPass(d, settled);
    const hurt = await hurtFullRuns(d);
    if (hurt.length) throw new Error(`full runs hurt: ${hurt.join(', ')}`);
    return { outcome: 'pass committed, then the full run', detail: `the full run waited for the pass's commit; then ${await stopTail(d, tail)}` };
  } finally {
    await release();
  }
}

async function disabledDuringPass(d: Deployment): Promise<ScenarioOutcome> {
  await d.startWorkers();
  await (await d.startRun()).result();
  const hold = d.sim.faults.add({ pathPrefix: USERS_DELTA, kind: 'hold', nth: 1 });
  const tail = await startTail(d);
  try {
    await untilHeld(d.sim, hold.id);
    const disabled = await d.cli(['connector', 'update', d.connectorId, '--disable']);
    if (disabled.code !== 0) throw new Error(`connector update --disable: ${disabled.stderr}`);
    d.sim.faults.remove(hold.id);
    const end = await tail.handle.result();
    const { rows } = await d.db.query<PassRow>(`select status, error_kind as "errorKind", reopened from sync_runs where kind = 'tail' order by id desc limit 1`);
    if (rows[0]?.errorKind !== 'TailPassYielded') throw new Error(`the pass of the disabled connector is ${JSON.stringify(rows[0])}`);
    // The runner's follow-up full run needs the connector enabled again (tail off first: this
    // CLI's task queue is not the deployment's, so it must not start a tail).
    await setConnectorTail(d.db, d.connectorId, { enabled: false, intervalSeconds: null });
    const enabled = await d.cli(['connector', 'update', d.connectorId, '--enable']);
    if (enabled.code !== 0) throw new Error(`connector update --enable: ${enabled.stderr}`);
    return { outcome: 'pass yielded, tail ended', detail: `${end.stoppedBecause}; the pass committed nothing` };
  } finally {
    d.sim.faults.remove(hold.id);
  }
}

async function postgresRestartedInPassCommit(stack: Stack, d: Deployment): Promise<ScenarioOutcome> {
  // The pass's finalize transaction is open, waiting on the connector row: PostgreSQL goes away under it.
  const { tail, release } = await passHeldInCommit(d);
  try {
    await stack.restartPostgres();
    const settled = await statusWhen(tail, 'the pass to end after the restart', (s) => s.passes >= 1 && s.state === 'waiting');
    await committedPass(d, settled);
    return { outcome: 'pass committed once', detail: `PostgreSQL restarted during the pass's commit; then ${await stopTail(d, tail)}` };
  } finally {
    await release();
  }
}

export function tailScenarios(stack: Stack): Scenario[] {
  const scenario = (name: string, proves: string, run: (d: Deployment) => Promise<ScenarioOutcome>): Scenario => ({
    suite: 'tail',
    name,
    proves,
    run: async (d) => {
      try {
        return await run(d);
      } finally {
        // Never leave a tail behind for the next scenario (same connector id on the shared Temporal).
        await d.client.workflow.getHandle(tailWorkflowId(d.connectorId)).terminate('scenario over').catch(() => undefined);
      }
    },
  });
  return [
    scenario('sync worker killed mid-pass', "a pass lost on a Graph read is retried on a new worker and commits once", killedMidPass),
    scenario('sync worker killed in a pass\'s commit', 'a pass lost inside its finalize transaction changes nothing; its retry commits once', killedInPassCommit),
    scenario('PostgreSQL restarted during a pass\'s commit', 'a pass whose finalize loses its database session commits once after PostgreSQL is back', (d) => postgresRestartedInPassCommit(stack, d)),
    scenario(
      'a full run commits while a pass is in flight',
      'the full run succeeds first time (no CursorConflict, no retry); the pass yields (TailPassYielded) and commits nothing',
      fullCommitsDuringPass,
    ),
    scenario(
      'a pass commits while a full run opens',
      "the full run waits for the pass's commit on the connector row, reads the generation after it, and succeeds first time",
      passCommitsWhileFullOpens,
    ),
    scenario('connector disabled during a pass', 'the pass yields (commits nothing) and the tail ends cleanly', disabledDuringPass),
  ];
}
