import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { eventually, NotificationReceiver } from './support/notificationReceiver';
import { graphCall, minutesFromNow, tokenFor } from './support/subscriptionClient';
import { TEST_TLS_DIR } from './support/testTls';

// Change notifications delivered to a subscriber's endpoint (docs/graph-behaviour.md, "Change
// notifications"): the payload shape of Microsoft's changeNotification, users and groups change
// types, batching, the fault controls, retries, reauthorizationRequired and expiry on the moved
// clock. Every duration is shrunk through the settings; waits poll with deadlines.

let sim: RunningSimulator;
let receiver: NotificationReceiver;
let token: string;

const FAST = {
  retryInitialDelayMs: 20,
  retryMaxDelayMs: 100,
  firstAttemptTimeoutMs: 3_000,
  retryTimeoutMs: 10_000,
  authorizationLifetimeSeconds: 0,
  batchWindowMs: 0,
  duplicateProbability: 0,
  lossProbability: 0,
  reorder: false,
  hold: false,
  latency: { kind: 'none' as const },
  throttle: { enabled: false },
};

beforeAll(async () => {
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 11, users: 20, throttling: false, notifications: FAST });
  receiver = await NotificationReceiver.start();
  token = await tokenFor(sim);
});
afterAll(async () => {
  await sim?.close();
  await receiver?.close();
});
beforeEach(() => {
  sim.notifications.configure({ ...FAST, maxBatchSize: 100 });
  sim.notifications.delivery.reset();
});
afterEach(async () => {
  for (const subscription of sim.notifications.subscriptions.all()) sim.notifications.subscriptions.remove(subscription.id);
  // Let anything still queued find its subscription gone.
  await eventually(() => sim.notifications.delivery.pending === 0, 'the queue to drain');
  receiver.reset();
});

async function subscribe(resource: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await graphCall(sim, token, 'POST', '/subscriptions', {
    changeType: 'updated,deleted',
    notificationUrl: receiver.url(),
    resource,
    expirationDateTime: minutesFromNow(sim, 24 * 60),
    clientState: 'state-of-the-client',
    ...extra,
  });
  expect(created.status).toBe(201);
  return created.json.id as string;
}

const someUser = (index = 0) => sim.tenant.activeUsers()[index]!;

describe('what a change delivers', () => {
  it("sends a user update as Microsoft's changeNotification, with the subscription's clientState", async () => {
    const id = await subscribe('/users');
    const user = someUser();
    sim.tenant.updateUser(user.id, { displayName: 'Renamed For The Test' });
    const [notification] = await eventually(() => receiver.notifications().length > 0 && receiver.notifications(), 'the notification');
    const subscription = sim.notifications.subscriptions.get(id)!;
    expect(notification).toEqual({
      subscriptionId: id,
      subscriptionExpirationDateTime: new Date(subscription.expiresAtMs).toISOString(),
      changeType: 'updated',
      clientState: 'state-of-the-client',
      resource: `Users/${user.id}`,
      tenantId: sim.config.tenantId,
      resourceData: { '@odata.type': '#Microsoft.Graph.User', '@odata.id': `Users/${user.id}`, id: user.id, organizationId: sim.config.tenantId },
    });
    expect(receiver.batches()[0]?.contentType).toMatch(/^application\/json/);
  });

  it('reports creation, soft deletion and restore as updated and a permanent delete as deleted', async () => {
    await subscribe('/users');
    const created = sim.tenant.createUser({ displayName: 'Short Lived' });
    sim.tenant.softDeleteUser(created.id);
    sim.tenant.restoreUser(created.id);
    sim.tenant.hardDeleteUser(created.id);
    const changes = await eventually(() => receiver.notifications().length >= 4 && receiver.notifications(), 'four notifications');
    expect(changes.map((n) => n.changeType)).toEqual(['updated', 'updated', 'updated', 'deleted']);
  });

  it('sends only the change types subscribed to, and only for the subscribed object', async () => {
    const [watched, other] = [someUser(1), someUser(2)];
    await subscribe(`/users/${watched.id}`, { changeType: 'deleted' });
    sim.tenant.updateUser(watched.id, { displayName: 'Not Reported' });
    sim.tenant.hardDeleteUser(other.id);
    sim.tenant.hardDeleteUser(watched.id);
    const [only] = await eventually(() => receiver.notifications().length > 0 && receiver.notifications(), 'the delete');
    expect(only).toMatchObject({ changeType: 'deleted', resource: `Users/${watched.id}` });
    expect(sim.notifications.delivery.counters.enqueued).toBe(1);
  });

  it('delivers a membership change to a group subscription', async () => {
    const group = sim.tenant.activeObjects('groups')[0]!;
    const newcomer = sim.tenant.createUser({ displayName: 'New Member' });
    await subscribe(`/groups/${group.id}`, { changeType: 'updated' });
    sim.tenant.addGroupMember(group.id, newcomer.id);
    const [notification] = await eventually(() => receiver.notifications().length > 0 && receiver.notifications(), 'the membership notification');
    expect(notification).toMatchObject({
      changeType: 'updated',
      resource: `Groups/${group.id}`,
      resourceData: { '@odata.type': '#Microsoft.Graph.Group', id: group.id, 'members@delta': [{ id: newcomer.id }] },
    });
  });
});

describe('batching and faults', () => {
  it('sends changes due within the batch window in one POST', async () => {
    sim.notifications.configure({ batchWindowMs: 200 });
    await subscribe('/users');
    for (const index of [3, 4, 5]) sim.tenant.updateUser(someUser(index).id, { jobTitle: `Batch ${index}` });
    await eventually(() => receiver.notifications().length === 3, 'three notifications');
    expect(receiver.batches()).toHaveLength(1);
  });

  it('duplicates every notification at duplicate probability 1', async () => {
    sim.notifications.configure({ duplicateProbability: 1 });
    await subscribe('/users');
    const user = someUser(6);
    sim.tenant.updateUser(user.id, { jobTitle: 'Twice' });
    const both = await eventually(() => receiver.notifications().length === 2 && receiver.notifications(), 'two copies');
    expect(both[0]).toEqual(both[1]);
    expect(sim.notifications.delivery.counters.duplicated).toBe(1);
  });

  it('loses notifications silently at loss probability 1', async () => {
    await subscribe('/users');
    sim.notifications.configure({ lossProbability: 1 });
    sim.tenant.updateUser(someUser(7).id, { jobTitle: 'Lost' });
    sim.notifications.configure({ lossProbability: 0 });
    const marker = someUser(8);
    sim.tenant.updateUser(marker.id, { jobTitle: 'Arrives' });
    // The later change arrives; the lost one never does.
    await eventually(() => receiver.notifications().length > 0, 'the later notification');
    expect(receiver.notifications().map((n) => n.resource)).toEqual([`Users/${marker.id}`]);
    expect(sim.notifications.delivery.counters.lost).toBe(1);
  });

  it('shuffles the notifications inside a POST when reordering is on', async () => {
    sim.notifications.configure({ batchWindowMs: 200, reorder: true, seed: 3 });
    await subscribe('/users');
    const users = [9, 10, 11, 12, 13, 14].map((index) => someUser(index));
    for (const user of users) sim.tenant.updateUser(user.id, { jobTitle: 'Shuffled' });
    const received = await eventually(() => receiver.notifications().length === users.length && receiver.notifications(), 'all six');
    const order = received.map((n) => (n.resourceData as { id: string }).id);
    expect([...order].sort()).toEqual(users.map((u) => u.id).sort());
    expect(order).not.toEqual(users.map((u) => u.id));
  });

  it('waits at least the configured latency before sending', async () => {
    sim.notifications.configure({ latency: { kind: 'fixed', ms: 300 } });
    await subscribe('/users');
    const changedAt = Date.now();
    sim.tenant.updateUser(someUser(15).id, { jobTitle: 'Late' });
    await eventually(() => receiver.batches().length > 0, 'the notification');
    expect(receiver.batches()[0]!.atMs - changedAt).toBeGreaterThanOrEqual(300);
  });

  it("offers Microsoft's stated latency for users and groups as a preset", async () => {
    const response = await fetch(`${sim.config.authorityHost}/_sim/notifications/settings`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latency: 'microsoftStated' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { latency: unknown }).latency).toEqual({ kind: 'logNormal', medianMs: 60_000, p99Ms: 900_000 });
  });
});

describe('an endpoint that fails or answers late', () => {
  it('retries a notification the endpoint refused until it answers 2xx', async () => {
    await subscribe('/users');
    receiver.behaviour = { ...receiver.behaviour, answer: 503, answerTimes: 2 };
    const user = someUser(16);
    sim.tenant.updateUser(user.id, { jobTitle: 'Retried' });
    await eventually(() => sim.notifications.delivery.counters.delivered === 1, 'delivery after the outage');
    expect(receiver.batches()).toHaveLength(3);
    expect(sim.notifications.delivery.attemptLog().map((a) => [a.outcome, a.attempt])).toEqual([
      ['refused', 1],
      ['refused', 2],
      ['delivered', 3],
    ]);
  });

  it('retries while the endpoint is down and delivers once it is back', async () => {
    const flaky = await NotificationReceiver.start();
    const port = flaky.port;
    await subscribe('/users', { notificationUrl: flaky.url() });
    await flaky.close();
    sim.tenant.updateUser(someUser(9).id, { jobTitle: 'During the outage' });
    await eventually(() => sim.notifications.delivery.attemptLog().filter((a) => a.outcome === 'unreachable').length >= 2, 'two failed attempts');
    const back = await NotificationReceiver.start(port);
    try {
      await eventually(() => back.notifications().length === 1, 'the notification after the outage');
      expect(back.notifications()[0]).toMatchObject({ changeType: 'updated', resource: `Users/${someUser(9).id}` });
    } finally {
      await back.close();
    }
  });

  it('sends nothing while the service holds deliveries, then everything held', async () => {
    await subscribe('/users');
    sim.notifications.configure({ hold: true });
    sim.tenant.updateUser(someUser(10).id, { jobTitle: 'Held one' });
    sim.tenant.updateUser(someUser(11).id, { jobTitle: 'Held two' });
    expect(sim.notifications.delivery.pending).toBe(2);
    expect(sim.notifications.delivery.counters.posts).toBe(0);
    sim.notifications.configure({ hold: false });
    await eventually(() => receiver.notifications().length === 2, 'both held notifications');
  });

  it('retries after a first attempt that got no answer in time', async () => {
    // On a loaded machine an attempt can time out before it reaches the receiver: the attempt the
    // receiver then leaves hanging must not hold the test for the default 10 s.
    sim.notifications.configure({ firstAttemptTimeoutMs: 150, retryTimeoutMs: 1_000 });
    await subscribe('/users');
    receiver.behaviour = { ...receiver.behaviour, answer: 'hang', answerTimes: 1 };
    sim.tenant.updateUser(someUser(17).id, { jobTitle: 'Timed out once' });
    await eventually(() => sim.notifications.delivery.counters.delivered === 1, 'the retried delivery');
    const outcomes = sim.notifications.delivery.attemptLog().map((a) => a.outcome);
    expect(outcomes.at(-1)).toBe('delivered');
    expect(outcomes.slice(0, -1)).toContain('timedOut');
    expect(new Set(outcomes.slice(0, -1))).toEqual(new Set(['timedOut']));
  });

  it('gives a notification up once it is 4 hours old on the moved clock', async () => {
    await subscribe('/users', { expirationDateTime: minutesFromNow(sim, 3 * 24 * 60) });
    receiver.behaviour = { ...receiver.behaviour, answer: 503, answerTimes: Number.POSITIVE_INFINITY };
    sim.tenant.updateUser(someUser(18).id, { jobTitle: 'Never delivered' });
    await eventually(() => receiver.batches().length >= 2, 'a retry');
    sim.clock.advance(4 * 3600 + 1);
    await eventually(() => sim.notifications.delivery.counters.expired === 1, 'the notification given up');
    expect(sim.notifications.delivery.pending).toBe(0);
  });

  it('marks an endpoint whose first attempts time out slow, and delays its new notifications', async () => {
    // One notification per POST, so the two hanging first attempts are two responses judged.
    sim.notifications.configure({ maxBatchSize: 1, firstAttemptTimeoutMs: 100, throttle: { enabled: true, minSamples: 2, slowDelayMs: 400 } });
    await subscribe('/users');
    receiver.behaviour = { ...receiver.behaviour, answer: 'hang', answerTimes: 2 };
    sim.tenant.updateUser(someUser(1).id, { jobTitle: 'Slow one' });
    sim.tenant.updateUser(someUser(2).id, { jobTitle: 'Slow two' });
    await eventually(() => sim.notifications.delivery.endpointState(receiver.url()) === 'slow', 'the slow state');
    const changedAt = Date.now();
    sim.tenant.updateUser(someUser(3).id, { jobTitle: 'Delayed' });
    const arrival = await eventually(() => receiver.batches().find((b) => b.body?.value.some((n) => n.resource === `Users/${someUser(3).id}`)), 'the delayed one');
    expect(arrival.atMs - changedAt).toBeGreaterThanOrEqual(400);
  });

  it('marks an endpoint whose retries time out drop, and drops its new notifications', async () => {
    sim.notifications.configure({ firstAttemptTimeoutMs: 50, retryTimeoutMs: 100, throttle: { enabled: true, minSamples: 3, dropForMs: 60_000 } });
    await subscribe('/users');
    receiver.behaviour = { ...receiver.behaviour, answer: 'hang', answerTimes: Number.POSITIVE_INFINITY };
    sim.tenant.updateUser(someUser(4).id, { jobTitle: 'Hanging' });
    await eventually(() => sim.notifications.delivery.endpointState(receiver.url()) === 'drop', 'the drop state');
    sim.tenant.updateUser(someUser(5).id, { jobTitle: 'Dropped' });
    expect(sim.notifications.delivery.counters.droppedByThrottling).toBe(1);
    // Leave the endpoint healthy for the tests after this one.
    sim.notifications.subscriptions.remove(sim.notifications.subscriptions.all()[0]!.id);
    receiver.behaviour.answerTimes = 0;
  });
});

describe('lifecycle on the moved clock', () => {
  it('sends reauthorizationRequired before the subscription expires, then removes it at expiry', async () => {
    const id = await subscribe('/groups', { changeType: 'updated', lifecycleNotificationUrl: receiver.url('/lifecycle'), expirationDateTime: minutesFromNow(sim, 24 * 60) });
    const expiresAt = sim.notifications.subscriptions.get(id)!.expiresAtMs;
    sim.clock.advance(24 * 3600 - 10 * 60);
    const [challenge] = await eventually(() => receiver.notifications('/lifecycle').length > 0 && receiver.notifications('/lifecycle'), 'the challenge');
    expect(challenge).toEqual({
      subscriptionId: id,
      subscriptionExpirationDateTime: new Date(expiresAt).toISOString(),
      tenantId: sim.config.tenantId,
      clientState: 'state-of-the-client',
      lifecycleEvent: 'reauthorizationRequired',
    });
    sim.clock.advance(11 * 60);
    expect((await graphCall(sim, token, 'GET', `/subscriptions/${id}`)).status).toBe(404);
    expect((await graphCall(sim, token, 'GET', '/subscriptions')).json.value).toEqual([]);
  });

  it('pauses delivery when authorization runs out and resumes it on reauthorize', async () => {
    sim.notifications.configure({ authorizationLifetimeSeconds: 3600 });
    const id = await subscribe('/users', { lifecycleNotificationUrl: receiver.url('/lifecycle') });
    sim.clock.advance(46 * 60);
    await eventually(() => receiver.notifications('/lifecycle').length > 0, 'the challenge 15 minutes before authorization runs out');
    sim.clock.advance(15 * 60);
    sim.tenant.updateUser(someUser(6).id, { jobTitle: 'While unauthorized' });
    await eventually(() => sim.notifications.delivery.counters.enqueued >= 2, 'the change queued');
    expect(receiver.notifications()).toEqual([]);
    expect((await graphCall(sim, token, 'POST', `/subscriptions/${id}/reauthorize`)).status).toBe(204);
    await eventually(() => receiver.notifications().length === 1, 'the held notification');
  });

  it('challenges and pauses a subscription whose read permission was revoked, until reauthorized', async () => {
    const id = await subscribe('/users', { lifecycleNotificationUrl: receiver.url('/lifecycle') });
    const granted = [...sim.application.grantedPermissions];
    try {
      sim.application.grantedPermissions = granted.filter((p) => !['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'].includes(p));
      sim.notifications.tick();
      await eventually(() => receiver.notifications('/lifecycle').some((n) => n.lifecycleEvent === 'reauthorizationRequired'), 'the challenge');
      sim.tenant.updateUser(someUser(8).id, { jobTitle: 'While revoked' });
      await eventually(() => sim.notifications.delivery.counters.enqueued >= 2, 'the change queued');
      // Without the permission a reauthorization is refused.
      expect((await graphCall(sim, await tokenFor(sim), 'POST', `/subscriptions/${id}/reauthorize`)).status).toBe(403);
      expect(receiver.notifications()).toEqual([]);
    } finally {
      sim.application.grantedPermissions = granted;
    }
    expect((await graphCall(sim, await tokenFor(sim), 'POST', `/subscriptions/${id}/reauthorize`)).status).toBe(204);
    await eventually(() => receiver.notifications().length === 1, 'the held notification');
  });

  it('keeps a subscription renewed daily for a month, and it still delivers', async () => {
    const expiredBefore = sim.notifications.expiredSubscriptions;
    const id = await subscribe('/users', { expirationDateTime: minutesFromNow(sim, 2 * 24 * 60) });
    for (let day = 0; day < 30; day++) {
      sim.clock.advance(24 * 3600);
      const renewed = await graphCall(sim, token, 'PATCH', `/subscriptions/${id}`, { expirationDateTime: minutesFromNow(sim, 2 * 24 * 60) });
      expect(renewed.status, `renewal on day ${day + 1}`).toBe(200);
    }
    sim.tenant.updateUser(someUser(7).id, { jobTitle: 'A month later' });
    await eventually(() => receiver.notifications().length === 1, 'the notification');
    expect(sim.notifications.expiredSubscriptions).toBe(expiredBefore);
  });
});
