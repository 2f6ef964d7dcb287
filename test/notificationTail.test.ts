import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { setConnectorTail } from '../activities/store/connectorTail';
import type { Receiver } from '../receiver/receiver';
import { until } from '../reliability/waits';
import { freePort } from '../shared/freePort';
import type { NotificationSettingsPatch } from '../simulator/notifications/notificationSettings';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { EntraTailWorkflow, tailStatusQuery, triggerSignal } from '../workflows/entraTail';
import { tailWorkflowId } from '../workflows/ids';
import { LiveWorker } from './support/liveWorker';
import { changeUsersAndGroups } from './support/notifiedChanges';
import { untilSubscribed } from './support/subscribed';
import { tenantDifferences } from './support/tenantTruth';
import { startTestReceiver } from './support/testReceiver';
import { TEST_TLS_DIR } from './support/testTls';

/**
 * Change notifications end to end (docs/notifications.md): the simulated Graph delivers to the
 * production receiver, which wakes the connector's tail in the compiled worker; rows are checked
 * against the simulator's ground truth and passes counted from sync_runs. The tail's backstop is an
 * hour (except where a test shortens it), so a pass within the test's deadline came from a notification.
 */

/** Delivery as a test wants it: at once, every fault off, retries quick, authorization forever. */
const CLEAN: NotificationSettingsPatch = {
  latency: { kind: 'none' },
  batchWindowMs: 0,
  duplicateProbability: 0,
  lossProbability: 0,
  reorder: false,
  retryInitialDelayMs: 200,
  retryMaxDelayMs: 1_000,
  authorizationLifetimeSeconds: 0,
  throttle: { enabled: false },
};

const CONNECTOR = 'notified';
let sim: RunningSimulator;
let worker: LiveWorker;
let receiver: Receiver | undefined;
let port: number;
let spoolDir: string;
let tail: WorkflowHandle<typeof EntraTailWorkflow>;

const startReceiver = async () =>
  (receiver = await startTestReceiver({ databaseUrl: worker.databaseUrl, key: worker.key, temporalAddress: inject('temporalAddress'), taskQueue: worker.taskQueue, port, spoolDir }));

beforeAll(async () => {
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 293, users: 80, pageSize: 50, throttling: false, notifications: CLEAN });
  port = await freePort();
  spoolDir = await mkdtemp(path.join(os.tmpdir(), 'entra-sync-notified-'));
  const notificationUrl = `https://localhost:${port}/notifications`;
  worker = await LiveWorker.start('notified', { env: { ENTRA_NOTIFICATION_URL: notificationUrl } });
  await startReceiver();
  await worker.addConnector(CONNECTOR, sim);
  expect(await worker.sync(CONNECTOR)).toBe('succeeded');
  await setConnectorTail(worker.db, CONNECTOR, { enabled: true, intervalSeconds: 3600 });
  tail = await worker.client.workflow.start(EntraTailWorkflow, { taskQueue: worker.taskQueue, workflowId: tailWorkflowId(CONNECTOR), args: [{ connectorId: CONNECTOR }] });
  // The subscription manager subscribes the connector as its tail starts.
  await untilSubscribed(sim, notificationUrl);
  await passesSettled(1);
}, 180_000);

afterAll(async () => {
  await tail?.terminate('test over').catch(() => undefined);
  await receiver?.close();
  await worker?.stop();
  await sim?.close();
});

type PassRow = { id: string; status: string; startedAt: Date; finishedAt: Date | null };
const passesSince = async (since: Date) =>
  (
    await worker.db.query<PassRow>(
      `select id::text, status, started_at as "startedAt", finished_at as "finishedAt" from sync_runs where connector_id = $1 and kind = 'tail' and started_at >= $2 order by id`,
      [CONNECTOR, since],
    )
  ).rows;
const receipts = async () => (await worker.db.query<{ n: number; unsignalled: number }>(`select count(*)::int as n, count(*) filter (where signalled_at is null)::int as unsignalled from notification_receipts`)).rows[0]!;

/** Until the tail ran at least `passes` passes in all and is waiting with nothing pending anywhere on the way. */
async function passesSettled(passes = 0): Promise<void> {
  await until('the tail to settle', async () => {
    const status = await tail.query(tailStatusQuery).catch(() => undefined);
    if (!status || status.passes < passes || status.state !== 'waiting' || status.triggersWaiting > 0) return undefined;
    if (sim.notifications.delivery.pending > 0 || (await receipts()).unsignalled > 0) return undefined;
    return true;
  });
}

const groundTruthHolds = async () => ((await tenantDifferences(worker.db, CONNECTOR, sim.tenant)).length === 0 ? true : undefined);

describe('change notifications wake the tail', { timeout: 180_000 }, () => {
  it('duplicated and reordered notifications land the changes with one or a few passes, and the rows equal the ground truth', async () => {
    sim.notifications.configure({ ...CLEAN, duplicateProbability: 1, reorder: true, batchWindowMs: 300 });
    sim.notifications.delivery.reset();
    const since = new Date();
    const applied = changeUsersAndGroups(sim.tenant, 1);
    expect(await tenantDifferences(worker.db, CONNECTOR, sim.tenant)).not.toEqual([]);

    await until('the changes in PostgreSQL', groundTruthHolds, 60_000);
    await passesSettled();

    const { counters } = sim.notifications.delivery;
    expect(counters.duplicated, 'every notification was sent twice').toBe(counters.enqueued);
    expect(counters.delivered).toBe(2 * counters.enqueued);
    const passes = await passesSince(since);
    // Seven changes, each notified twice, in shuffled batches: the tail coalesces them.
    expect(passes.length, JSON.stringify(passes)).toBeGreaterThanOrEqual(1);
    expect(passes.length, `${applied.length} changes, ${counters.delivered} notifications delivered`).toBeLessThanOrEqual(3);
    expect(passes.every((p) => p.status === 'succeeded')).toBe(true);
    expect(await tenantDifferences(worker.db, CONNECTOR, sim.tenant)).toEqual([]);
  });

  it('notifications Graph lost are caught by the first backstop pass after the change', async () => {
    // A short backstop for this test; the trigger makes the tail read it now, as the CLI does.
    const before = (await tail.query(tailStatusQuery)).passes;
    await setConnectorTail(worker.db, CONNECTOR, { intervalSeconds: 3 });
    await tail.signal(triggerSignal, { reason: 'test: backstop interval changed' });
    await passesSettled(before + 1);
    sim.notifications.configure({ ...CLEAN, lossProbability: 1 });
    sim.notifications.delivery.reset();
    const recorded = (await receipts()).n;
    try {
      changeUsersAndGroups(sim.tenant, 2);
      // After the changes: a pass that started later read them.
      const changedAt = new Date();
      expect(await tenantDifferences(worker.db, CONNECTOR, sim.tenant)).not.toEqual([]);

      // The first pass that starts after the change is the backstop's (nothing was delivered) and must land it.
      const backstopPass = await until('a pass started after the change to end', async () => {
        const first = (await passesSince(changedAt))[0];
        return first?.finishedAt ? first : undefined;
      });
      expect(backstopPass.status).toBe('succeeded');
      expect(await tenantDifferences(worker.db, CONNECTOR, sim.tenant)).toEqual([]);
      expect(sim.notifications.delivery.counters.lost).toBe(sim.notifications.delivery.counters.enqueued);
      expect(sim.notifications.delivery.counters.delivered).toBe(0);
      expect((await receipts()).n, 'no notification reached the receiver').toBe(recorded);
    } finally {
      sim.notifications.configure(CLEAN);
      await setConnectorTail(worker.db, CONNECTOR, { intervalSeconds: 3600 });
      await tail.signal(triggerSignal, { reason: 'test: backstop interval back to an hour' });
      await passesSettled();
    }
  });

  it("while the receiver is down nothing lands; Graph's retries deliver once it is back and the tail catches up", async () => {
    sim.notifications.configure(CLEAN);
    sim.notifications.delivery.reset();
    await receiver!.close();
    receiver = undefined;
    const since = new Date();
    changeUsersAndGroups(sim.tenant, 3);
    await until('two failed delivery attempts', () => (sim.notifications.delivery.attemptLog().filter((a) => a.outcome === 'unreachable').length >= 2 ? true : undefined), 30_000);
    expect(await passesSince(since), 'no pass while nothing was delivered').toEqual([]);
    expect(await tenantDifferences(worker.db, CONNECTOR, sim.tenant)).not.toEqual([]);

    await startReceiver();
    await until('the changes in PostgreSQL', groundTruthHolds, 60_000);
    await passesSettled();

    const delivered = sim.notifications.delivery.attemptLog().filter((a) => a.outcome === 'delivered');
    expect(delivered.length).toBeGreaterThan(0);
    expect(Math.min(...delivered.map((a) => a.attempt)), 'delivered by a retry').toBeGreaterThan(1);
    expect(sim.notifications.delivery.counters.retried).toBeGreaterThan(0);
    const passes = await passesSince(since);
    expect(passes.length).toBeGreaterThanOrEqual(1);
    expect(passes.length).toBeLessThanOrEqual(3);
    expect(passes.every((p) => p.status === 'succeeded')).toBe(true);
  });
});
