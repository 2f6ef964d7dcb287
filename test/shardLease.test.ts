import { randomBytes } from 'node:crypto';
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GraphSessions } from '../activities/graph/graphSessions';
import { StaticSecretStore } from '../activities/secrets/secretStore';
import { reconcileShardActivity } from '../activities/staging/reconcileShard';
import { claimShardLease, underShardLease } from '../activities/staging/shardLease';
import { claimRun } from '../activities/store/runs';
import { upsertConnector } from '../activities/store/connectors';
import { createDatabase, type Database } from '../activities/store/database';
import { openRun } from '../activities/store/planRun';
import { untilHeld } from '../reliability/waits';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { paceReportsFast } from './support/fastReports';
import { createTestDatabase } from './support/testDatabase';
import { TEST_TLS_DIR } from './support/testTls';

const BATCH = '/v1.0/$batch';
const WORKFLOW_RUN = 'run-of-the-workflow';

let sim: RunningSimulator;
let db: Database;
let connectorId: string;

beforeAll(async () => {
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 91, users: 30, throttling: paceReportsFast() });
  db = createDatabase(await createTestDatabase(inject('postgresUrl'), 'shardlease'));
  connectorId = `c${randomBytes(3).toString('hex')}`;
  await upsertConnector(db, { id: connectorId, ...sim.config, discoveryEnabled: false });
});

afterAll(async () => {
  await db?.end();
  await sim?.close();
});

/** One attempt of reconcile shard 0 of `syncRunId`, as Temporal would start it. */
function attempt(attempt: number) {
  const info: Partial<Info> = { activityId: '9', attempt, workflowExecution: { workflowId: 'wf-shard', runId: WORKFLOW_RUN } };
  const env = new MockActivityEnvironment(info);
  const deps = { db, graph: new GraphSessions(new StaticSecretStore(new Map([[connectorId, sim.config.clientSecret]]))) };
  const reconcile = (syncRunId: number) => env.run(reconcileShardActivity(deps), { syncRunId, connectorId, shard: 0, requestsPerSecond: 50 });
  return { env, reconcile };
}

const stagedOwners = async (syncRunId: number, appId: string) =>
  (await db.query<{ id: string }>(`select owner_id as id from staged_owners where run_id = $1 and object_id = $2 order by 1`, [syncRunId, appId])).rows.map((r) => r.id);

/**
 * An attempt of a reconcile shard that Temporal gave up on (a heartbeat timeout) but that still
 * runs must not store its reads over those of the attempt after it. Attempt 1 is held on its JSON
 * batch; attempt 2 reads the shard and finishes; an owner is then removed in the tenant, and
 * attempt 1 gets its (now different) answer.
 */
describe('two attempts of one reconcile shard', () => {
  it("the superseded attempt's reads are refused: the finished shard keeps what its last attempt stored", async () => {
    const t = sim.tenant;
    const app = t.activeObjects('applications').find((a) => t.activeOwnersOf(a.id).length >= 2)!;
    const before = [...t.activeOwnersOf(app.id)].map((id) => id.toLowerCase()).sort();
    const { syncRunId } = await openRun(db, { connectorId, workflowId: 'wf-shard', workflowRunId: WORKFLOW_RUN, discovery: false });
    await db.query(`insert into reconcile_targets (run_id, object_type, object_id, reason, shard) values ($1, 'application', $2, 'bootstrap', 0)`, [syncRunId, app.id]);

    const held = sim.faults.add({ pathPrefix: BATCH, method: 'POST', kind: 'hold', nth: 1 });
    const first = attempt(1);
    const firstDone = first.reconcile(syncRunId).then(
      () => 'attempt 1 stored its read',
      (err: Error) => err.message,
    );
    try {
      await untilHeld(sim, held.id);
      await attempt(2).reconcile(syncRunId);
      expect((await stagedOwners(syncRunId, app.id)).map((id) => id.toLowerCase())).toEqual(before);

      t.removeOwner(app.id, before[0]!);
      sim.faults.remove(held.id);
      const outcome = await firstDone;
      expect((await stagedOwners(syncRunId, app.id)).map((id) => id.toLowerCase()), outcome).toEqual(before);
      expect(outcome).toMatch(/superseded by attempt run-of-the-workflow\/9#2/);
    } finally {
      first.env.cancel();
      sim.faults.remove(held.id);
      await firstDone;
    }
  }, 60_000);
});

describe('the shard lease', () => {
  it('refuses a store of the execution a reset took the run over from', async () => {
    const { syncRunId } = await openRun(db, { connectorId, workflowId: 'wf-shard-2', workflowRunId: 'exec-1', discovery: false });
    const old = await claimShardLease(db, syncRunId, 0, 'exec-1', 'exec-1/9#1');
    expect(await claimRun(db, syncRunId, 'exec-2')).toBe('running');
    await expect(underShardLease(db, old, async () => 'stored')).rejects.toThrow(/taken over by a reset/);
    const taken = await claimShardLease(db, syncRunId, 0, 'exec-2', 'exec-2/9#1');
    await expect(underShardLease(db, taken, async () => 'stored')).resolves.toBe('stored');
  });

});
