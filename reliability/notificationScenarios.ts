import type { NotificationSettingsPatch } from '../simulator/notifications/notificationSettings';
import { changeUsersAndGroups } from '../test/support/notifiedChanges';
import { untilSubscribed } from '../test/support/subscribed';
import { tenantDifferences } from '../test/support/tenantTruth';
import { NotificationPath } from './notificationPath';
import type { Scenario, ScenarioOutcome } from './scenario';
import type { Deployment, Stack } from './stack';
import { startTail, statusWhen, stopTail, type Tail } from './tailScenarios';
import { until } from './waits';

/**
 * Change notifications disturbed (docs/notifications.md): each scenario bootstraps with a full run,
 * starts the deployment's receiver, turns the tail on with an hour's backstop (so only
 * notifications start passes), subscribes the connector, disturbs the path while a burst of user
 * and group changes is notified, and waits until the tables equal the tenant. The runner then
 * compares them with a clean run over the tenant as the scenario left it.
 */

/** Delivery at once, retries quick (Graph gives no figures), authorization forever, no faults. */
const DELIVERY: NotificationSettingsPatch = {
  latency: { kind: 'none' },
  batchWindowMs: 20,
  maxBatchSize: 100,
  duplicateProbability: 0,
  lossProbability: 0,
  reorder: false,
  hold: false,
  retryInitialDelayMs: 500,
  retryMaxDelayMs: 2_000,
  authorizationLifetimeSeconds: 0,
  throttle: { enabled: false },
};

/** Rounds of user and group changes (test/support/notifiedChanges.ts); how many changes were made. */
function burst(d: Deployment, from: number, rounds: number): number {
  let changes = 0;
  for (let round = from; round < from + rounds; round++) changes += changeUsersAndGroups(d.sim.tenant, 1000 + round).length;
  return changes;
}

type Wired = { path: NotificationPath; tail: Tail };

async function wire(d: Deployment): Promise<Wired> {
  d.sim.notifications.configure(DELIVERY);
  d.sim.notifications.delivery.reset();
  const path = await NotificationPath.start(d);
  let tail: Tail | undefined;
  try {
    await d.startWorkers({ sync: { ENTRA_NOTIFICATION_URL: path.notificationUrl } });
    await (await d.startRun()).result();
    tail = await startTail(d);
    // The subscription manager subscribes the connector as its tail starts.
    await untilSubscribed(d.sim, path.notificationUrl);
    await statusWhen(tail, 'the first pass', (s) => s.passes >= 1 && s.state === 'waiting');
    return { path, tail };
  } catch (err) {
    // Nothing of a half-wired scenario may outlive it: the receiver is a process of its own.
    if (tail) await stopTail(d, tail).catch(() => undefined);
    await path.stop();
    throw err;
  }
}

/** Until the tables equal the tenant and the tail waits with nothing on the way. */
async function landed(d: Deployment, tail: Tail): Promise<number> {
  const unsignalled = async () => (await d.db.query<{ n: number }>(`select count(*)::int as n from notification_receipts where signalled_at is null`)).rows[0]!.n;
  try {
    await until('the changes in PostgreSQL', async () => ((await tenantDifferences(d.db, d.connectorId, d.sim.tenant)).length === 0 ? true : undefined), 180_000);
  } catch (err) {
    // Where it stopped: the tail, the receipts, Graph's deliveries.
    const status = await tail.status().catch((e: Error) => e.message);
    const receipts = await d.db.query(`select event, count(*)::int as n, count(signalled_at)::int as signalled from notification_receipts group by event`).then((r) => r.rows, (e: Error) => e.message);
    const differences = (await tenantDifferences(d.db, d.connectorId, d.sim.tenant)).map((line) => line.slice(0, 200));
    throw new Error(
      `${(err as Error).message}; differs: ${differences.join('; ')}; tail ${JSON.stringify(status)}; receipts ${JSON.stringify(receipts)}; deliveries ${JSON.stringify(d.sim.notifications.delivery.counters)}`,
    );
  }
  const settled = await until('the tail to settle', async () => {
    const status = await tail.status().catch(() => undefined);
    if (!status || status.state !== 'waiting' || status.triggersWaiting > 0 || d.sim.notifications.delivery.pending > 0 || (await unsignalled()) > 0) return undefined;
    return status;
  });
  return settled.passes;
}

async function unwire(d: Deployment, wired: Wired | undefined): Promise<void> {
  // The tail deletes its subscriptions as it ends; the receiver must be up until then.
  if (wired) await stopTail(d, wired.tail).catch(() => undefined);
  await wired?.path.stop();
  // The next scenario's connector subscribes the same app to the same resources: nothing may be left.
  for (const subscription of d.sim.notifications.subscriptions.all()) d.sim.notifications.subscriptions.remove(subscription.id);
}

const unreachableAttempts = (d: Deployment) => d.sim.notifications.delivery.attemptLog().filter((a) => a.outcome === 'unreachable').length;

async function receiverKilledMidBurst(d: Deployment): Promise<ScenarioOutcome> {
  let wired: Wired | undefined;
  try {
    wired = await wire(d);
    const { path, tail } = wired;
    let changes = burst(d, 0, 10);
    await until('the burst to start arriving', () => (d.sim.notifications.delivery.counters.delivered > 0 ? true : undefined), 30_000);
    await path.killReceiver();
    const deliveredBeforeKill = d.sim.notifications.delivery.counters.delivered;
    changes += burst(d, 10, 10);
    await until('two failed delivery attempts', () => (unreachableAttempts(d) >= 2 ? true : undefined), 60_000);
    await path.startReceiver();
    changes += burst(d, 20, 10);
    const passes = await landed(d, tail);
    const { counters } = d.sim.notifications.delivery;
    if (counters.retried === 0) throw new Error('Graph retried nothing: the kill hit no delivery');
    return {
      outcome: 'every change landed',
      detail: `${changes} changes, ${counters.enqueued} notifications (${deliveredBeforeKill} delivered before the SIGKILL, ${counters.retried} retried); ${passes} passes in all`,
    };
  } finally {
    await unwire(d, wired);
  }
}

async function postgresDownWhileNotified(stack: Stack, d: Deployment): Promise<ScenarioOutcome> {
  let wired: Wired | undefined;
  try {
    wired = await wire(d);
    const { path, tail } = wired;
    // One change first: the receiver reads the subscriptions, and keeps checking them while PostgreSQL is away.
    burst(d, 0, 1);
    const before = await landed(d, tail);
    let spooled = 0;
    let changes = 0;
    await stack.restartPostgres(async () => {
      const counters = d.sim.notifications.delivery.counters;
      const [delivered, enqueued] = [counters.delivered, counters.enqueued];
      changes = burst(d, 1, 20);
      await until('the burst answered 202 while PostgreSQL is down', () => (counters.delivered - delivered >= counters.enqueued - enqueued ? true : undefined), 60_000);
      const health = async () => (await (await fetch(`${path.metricsUrl}/healthz`)).json()) as { spoolSegmentsWaiting: number; database: string };
      await until("the receiver's health to say PostgreSQL is unavailable, with spooled notifications waiting", async () => {
        const h = await health();
        return h.database.startsWith('unavailable') && h.spoolSegmentsWaiting > 0 ? true : undefined;
      }, 30_000);
      spooled = d.sim.notifications.delivery.counters.delivered - delivered;
    });
    const passes = await landed(d, tail);
    const { counters } = d.sim.notifications.delivery;
    return {
      outcome: 'every change landed',
      detail: `${changes} changes while PostgreSQL was down, ${spooled} notifications answered 202 from the spool, ${counters.retried} retried; ${passes - before} passes after it was back`,
    };
  } finally {
    await unwire(d, wired);
  }
}

export function notificationScenarios(stack: Stack): Scenario[] {
  return [
    {
      suite: 'notifications',
      name: 'receiver killed mid-burst',
      proves: "notifications in flight or spooled at a SIGKILL are redelivered by Graph's retries or replayed from the spool; the tail lands every change",
      changesTenant: true,
      run: (d) => receiverKilledMidBurst(d),
    },
    {
      suite: 'notifications',
      name: 'PostgreSQL down while notifications arrive',
      proves: 'the receiver answers 202 from its spool, records and signals once PostgreSQL is back; the tail lands every change',
      changesTenant: true,
      run: (d) => postgresDownWhileNotified(stack, d),
    },
  ];
}
