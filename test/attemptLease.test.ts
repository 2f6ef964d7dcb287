import { randomBytes } from 'node:crypto';
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GraphSessions } from '../activities/graph/graphSessions';
import { StaticSecretStore } from '../activities/secrets/secretStore';
import { pullDeltaActivity, type PullSummary } from '../activities/staging/pullDelta';
import { clearStagedStream, stagePage } from '../activities/staging/stagedObjects';
import { claimStagingLease, underLease } from '../activities/staging/stagingLease';
import { claimRun } from '../activities/store/runs';
import { upsertConnector } from '../activities/store/connectors';
import { createDatabase, type Database } from '../activities/store/database';
import { openRun } from '../activities/store/planRun';
import { until, untilHeld } from '../reliability/waits';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { paceReportsFast } from './support/fastReports';
import { createTestDatabase } from './support/testDatabase';
import { TEST_TLS_DIR } from './support/testTls';

const USERS_DELTA = '/v1.0/users/delta';
const WORKFLOW_RUN = 'run-of-the-workflow';

let sim: RunningSimulator;
let db: Database;
let connectorId: string;

beforeAll(async () => {
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 73, users: 30, pageSize: 10, throttling: paceReportsFast() });
  db = createDatabase(await createTestDatabase(inject('postgresUrl'), 'attemptlease'));
  connectorId = `c${randomBytes(3).toString('hex')}`;
  await upsertConnector(db, { id: connectorId, ...sim.config, discoveryEnabled: false });
});

afterAll(async () => {
  await db?.end();
  await sim?.close();
});

/** One attempt of the users pull of `syncRunId`, as Temporal would start it. */
function attempt(attempt: number, heartbeatDetails?: unknown) {
  const info: Partial<Info> = {
    activityId: '7',
    attempt,
    heartbeatDetails,
    workflowExecution: { workflowId: "wf-attempts", runId: WORKFLOW_RUN },
  };
  const env = new MockActivityEnvironment(info);
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const deps = { db, graph: new GraphSessions(new StaticSecretStore(new Map([[connectorId, sim.config.clientSecret]]))) };
  const pull = (syncRunId: number): Promise<PullSummary> => env.run(pullDeltaActivity(deps), { syncRunId, connectorId, stream: "users" as const }) as Promise<PullSummary>;
  return { env, heartbeats, pull };
}

const stagedUsers = async (syncRunId: number) =>
  (await db.query<{ id: string }>(`select object_id as id from staged_objects where run_id = $1 and stream = 'users' and data is not null order by 1`, [syncRunId])).rows.map(
    (r) => r.id,
  );

/**
 * Issue 25, item A: an attempt Temporal gave up on (a heartbeat timeout) that still runs must not
 * undo what the attempt after it staged and recorded. Attempt 1 stages the first page and is held
 * on the second; attempt 2 resumes from its heartbeat and finishes; then attempt 1 gets its page,
 * and Graph answers its next request 410 (resync), on which a pull clears the stream's staging.
 */
describe('two attempts of one pull', () => {
  it("the superseded attempt's writes and deletes are refused: the recorded stream stays complete", async () => {
    const truth = (sim.tenant.activeObjects('users') as Array<{ id: string }>).map((u) => u.id).sort();
    const { syncRunId } = await openRun(db, { connectorId, workflowId: 'wf-attempts', workflowRunId: WORKFLOW_RUN, discovery: false });
    const held = sim.faults.add({ pathPrefix: USERS_DELTA, kind: 'hold', nth: 2 });
    const first = attempt(1);
    const firstDone = first.pull(syncRunId).then(
      () => 'finished',
      (err: Error) => err.message,
    );
    let restartHeld: string | undefined;
    try {
      await untilHeld(sim, held.id);
      await until('the first page staged and heartbeaten', async () => (first.heartbeats.length > 0 ? true : undefined));

      // Temporal gave up on attempt 1; attempt 2 resumes from its last heartbeat.
      const second = attempt(2, first.heartbeats.at(-1));
      const pulled = await second.pull(syncRunId);
      expect(pulled.staged).toBeGreaterThan(0);
      expect(await stagedUsers(syncRunId)).toEqual(truth);

      // Attempt 1 wakes: its page ahead (the third) answers 410, and its restart is held for good.
      sim.faults.add({ pathPrefix: USERS_DELTA, kind: 'status', status: 410, nth: 1 });
      restartHeld = sim.faults.add({ pathPrefix: USERS_DELTA, kind: 'hold', nth: 2 }).id;
      sim.faults.remove(held.id);
      const outcome = await Promise.race([
        firstDone,
        untilHeld(sim, restartHeld).then(() => 'attempt 1 cleared the staging and read again from the start'),
      ]);
      expect((await stagedUsers(syncRunId)).length, outcome).toBe(truth.length);
      expect(await stagedUsers(syncRunId)).toEqual(truth);
      expect(outcome).toMatch(/its staging writes are refused/);
      const [stream] = (await db.query<{ staged: number; pulled: boolean }>(`select staged, pulled_at is not null as pulled from sync_run_streams where run_id = $1 and stream = 'users'`, [syncRunId])).rows;
      expect(stream).toEqual({ staged: truth.length, pulled: true });
    } finally {
      first.env.cancel();
      if (restartHeld) sim.faults.remove(restartHeld);
      sim.faults.remove(held.id);
      await firstDone;
    }
  }, 60_000);
});

/**
 * The lease itself, attempt by attempt and across a reset (issue 25, item B): the owner and
 * attempt check shares the transaction of the writes it guards, under a lock on the run row.
 */
describe('the staging lease', () => {
  const page = (n: number) => Array.from({ length: 3 }, (_, i) => ({ id: `lease-user-${n}-${i}`, displayName: `page ${n}` }));
  const staged = async (syncRunId: number) => (await db.query<{ n: number }>(`select count(*)::int as n from staged_objects where run_id = $1 and stream = 'users'`, [syncRunId])).rows[0]!.n;

  it("refuses a superseded attempt's delete before any pull was recorded", async () => {
    const { syncRunId } = await openRun(db, { connectorId, workflowId: 'wf-lease-1', workflowRunId: 'exec-1', discovery: false });
    const first = (await claimStagingLease(db, syncRunId, 'users', 'exec-1', 'exec-1/3#1'))!;
    await underLease(db, first, (tx) => stagePage(tx, syncRunId, 'users', page(1)));
    const second = (await claimStagingLease(db, syncRunId, 'users', 'exec-1', 'exec-1/3#2'))!;
    await underLease(db, second, (tx) => stagePage(tx, syncRunId, 'users', page(2)));
    await expect(underLease(db, first, (tx) => clearStagedStream(tx, syncRunId, 'users'))).rejects.toThrow(/superseded by attempt exec-1\/3#2/);
    await expect(underLease(db, first, (tx) => stagePage(tx, syncRunId, 'users', page(3)))).rejects.toThrow(/superseded/);
    expect(await staged(syncRunId)).toBe(6);
  });

  it('refuses a page of the execution a reset took the run over from; the trigger alone would take it', async () => {
    const { syncRunId } = await openRun(db, { connectorId, workflowId: 'wf-lease-2', workflowRunId: 'exec-1', discovery: false });
    const old = (await claimStagingLease(db, syncRunId, 'users', 'exec-1', 'exec-1/3#1'))!;
    await underLease(db, old, (tx) => stagePage(tx, syncRunId, 'users', page(1)));
    expect(await claimRun(db, syncRunId, 'exec-2')).toBe('running');
    await expect(underLease(db, old, (tx) => stagePage(tx, syncRunId, 'users', page(2)))).rejects.toThrow(/taken over by a reset/);
    // Why the check must share the write's transaction: the staging trigger checks status only.
    await stagePage(db, syncRunId, 'users', page(9));
    expect(await staged(syncRunId)).toBe(6);
  });

  it('a take-over by a reset waits for a staging transaction in flight, and refuses its writes after', async () => {
    const { syncRunId } = await openRun(db, { connectorId, workflowId: 'wf-lease-3', workflowRunId: 'exec-1', discovery: false });
    const old = (await claimStagingLease(db, syncRunId, 'users', 'exec-1', 'exec-1/3#1'))!;
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inside = false;
    const writing = underLease(db, old, async (tx) => {
      await stagePage(tx, syncRunId, 'users', page(1));
      inside = true;
      await gate;
    });
    await until('the staging transaction to hold its lease', () => (inside ? true : undefined));
    let claimed = false;
    const takeOver = claimRun(db, syncRunId, 'exec-2').then(() => (claimed = true));
    await until('the take-over to wait for the run row', async () =>
      (await db.query(`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%from sync_runs where id = $1 for update%'`)).rowCount ? true : undefined,
    );
    expect(claimed).toBe(false);
    release();
    await writing;
    await takeOver;
    await expect(underLease(db, old, (tx) => stagePage(tx, syncRunId, 'users', page(2)))).rejects.toThrow(/taken over by a reset/);
    expect(await staged(syncRunId)).toBe(3);
  });
});
