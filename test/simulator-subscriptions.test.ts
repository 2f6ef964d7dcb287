import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EndpointTrust } from '../simulator/notifications/endpointTrust';
import { validateEndpoint } from '../simulator/notifications/validationHandshake';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { ensureSelfSignedCertificate } from '../simulator/tls';
import { createTestPki } from './support/testCertificates';
import { NotificationReceiver } from './support/notificationReceiver';
import { graphCall, minutesFromNow, tokenFor } from './support/subscriptionClient';
import { TEST_TLS_DIR } from './support/testTls';

// The /v1.0/subscriptions API as Microsoft documents it for users and groups (docs/graph-behaviour.md,
// "Change notifications"). Expected values are Microsoft's documented figures.

const MAX_LIFETIME_MINUTES = 41_760;
const MIN_LIFETIME_MINUTES = 45;

let sim: RunningSimulator;
let receiver: NotificationReceiver;
let token: string;

beforeAll(async () => {
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 7, users: 20, throttling: false });
  receiver = await NotificationReceiver.start();
  token = await tokenFor(sim);
});
afterAll(async () => {
  await sim?.close();
  await receiver?.close();
});
afterEach(async () => {
  for (const subscription of sim.notifications.subscriptions.all()) sim.notifications.subscriptions.remove(subscription.id);
  receiver.reset();
});

const create = (body: Record<string, unknown>) =>
  graphCall(sim, token, 'POST', '/subscriptions', {
    changeType: 'updated,deleted',
    notificationUrl: receiver.url(),
    resource: '/users',
    expirationDateTime: minutesFromNow(sim, 24 * 60),
    clientState: 'secret-client-state',
    ...body,
  });

describe('creating a subscription', () => {
  it('validates the notification URL with a token it must echo, then answers 201 with the subscription', async () => {
    const created = await create({ lifecycleNotificationUrl: receiver.url('/lifecycle') });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      resource: '/users',
      changeType: 'updated,deleted',
      clientState: 'secret-client-state',
      notificationUrl: receiver.url(),
      lifecycleNotificationUrl: receiver.url('/lifecycle'),
      applicationId: sim.config.clientId,
      includeResourceData: false,
      latestSupportedTlsVersion: 'v1_2',
    });
    // Both URLs were validated: a POST with validationToken in the query, text/plain.
    const handshakes = receiver.handshakes();
    expect(handshakes.map((post) => post.path)).toEqual(['/notify', '/lifecycle']);
    expect(handshakes[0]?.contentType).toMatch(/^text\/plain/);
    expect(handshakes[0]?.validationToken).toMatch(/ /); // decoded: it had to be URL-encoded on the way

    const id = created.json.id as string;
    const got = await graphCall(sim, token, 'GET', `/subscriptions/${id}`);
    expect(got.status).toBe(200);
    expect(got.json.id).toBe(id);
    const listed = await graphCall(sim, token, 'GET', '/subscriptions');
    expect(listed.json.value?.map((s) => s.id)).toEqual([id]);
  });

  it.each([
    ['a token that is not echoed', 'wrongToken'],
    ['a 500', 'status500'],
    ['the token as JSON', 'json'],
  ] as const)('answers 400 when the endpoint answers the handshake with %s, and creates nothing', async (_what, handshake) => {
    receiver.behaviour.handshake = handshake;
    const created = await create({});
    expect(created.status).toBe(400);
    expect(created.json.error?.message).toMatch(/^Subscription validation request failed/);
    expect(sim.notifications.subscriptions.size).toBe(0);
  });

  it('answers 400 when the endpoint does not answer the handshake in time', async () => {
    sim.notifications.configure({ validationTimeoutMs: 200 });
    try {
      const created = await create({ notificationUrl: 'https://localhost:9/unreachable' });
      expect(created.status).toBe(400);
      expect(created.json.error?.code).toBe('ValidationError');
    } finally {
      sim.notifications.configure({ validationTimeoutMs: 10_000 });
    }
  });

  it.each([
    ['created, which users and groups do not support', { changeType: 'created' }],
    ['created among supported types', { changeType: 'created,updated' }],
    ['a resource without change notifications', { resource: '/applications' }],
    ['a notification URL without HTTPS', { notificationUrl: 'http://localhost/notify' }],
    ['a lifecycle URL without HTTPS', { lifecycleNotificationUrl: 'http://localhost/lifecycle' }],
    ['a clientState of 129 characters', { clientState: 'x'.repeat(129) }],
    ['no expirationDateTime', { expirationDateTime: undefined }],
  ])('answers 400 for %s', async (_what, body) => {
    const created = await create(body);
    expect(created.status).toBe(400);
    expect(receiver.handshakes()).toEqual([]);
  });

  it('accepts a clientState of 128 characters and subscriptions to a group, its members and owners', async () => {
    const group = sim.tenant.activeObjects('groups')[0]!;
    expect((await create({ clientState: 'x'.repeat(128) })).status).toBe(201);
    for (const resource of ['/groups', `/groups/${group.id}`, `groups/${group.id}/members`]) {
      expect((await create({ resource, changeType: 'updated' })).status).toBe(201);
    }
  });

  it('answers 409 for a second subscription with the same resource and change types', async () => {
    const first = await create({});
    const second = await create({ notificationUrl: receiver.url('/other') });
    expect(second.status).toBe(409);
    expect(second.json.error?.message).toContain(first.json.id as string);
  });

  it("tells its time in the Date header on the tenant's clock, moved or not", async () => {
    sim.clock.advance(3 * 24 * 3600);
    const response = await fetch(`${sim.config.graphBaseUrl}/subscriptions`, { headers: { authorization: `Bearer ${token}` } });
    const said = Date.parse(response.headers.get('date') ?? '');
    // HTTP dates have whole seconds.
    expect(Math.abs(said - sim.clock.nowMs())).toBeLessThan(2_000);
    expect(said - Date.now()).toBeGreaterThan(3 * 24 * 3600_000 - 2_000);
  });

  it('raises an expiration under 45 minutes to 45 minutes and refuses one past 41,760 minutes', async () => {
    const before = sim.clock.nowMs();
    const short = await create({ expirationDateTime: minutesFromNow(sim, 5) });
    const after = sim.clock.nowMs();
    expect(short.status).toBe(201);
    const expires = Date.parse(short.json.expirationDateTime as string);
    expect(expires).toBeGreaterThanOrEqual(before + MIN_LIFETIME_MINUTES * 60_000);
    expect(expires).toBeLessThanOrEqual(after + MIN_LIFETIME_MINUTES * 60_000);

    const tooLong = await create({ resource: '/groups', expirationDateTime: minutesFromNow(sim, MAX_LIFETIME_MINUTES + 1) });
    expect(tooLong.status).toBe(400);
    const longest = await create({ resource: '/groups', expirationDateTime: minutesFromNow(sim, MAX_LIFETIME_MINUTES - 1) });
    expect(longest.status).toBe(201);
  });

  it('answers 403 without a permission to read the resource, and past the subscription quota', async () => {
    const granted = [...sim.application.grantedPermissions];
    sim.application.grantedPermissions = ['Group.Read.All'];
    try {
      const groupOnly = await tokenFor(sim);
      const users = await graphCall(sim, groupOnly, 'POST', '/subscriptions', {
        changeType: 'updated',
        notificationUrl: receiver.url(),
        resource: '/users',
        expirationDateTime: minutesFromNow(sim, 60),
      });
      expect(users.status).toBe(403);
      expect(users.json.error?.code).toBe('Authorization_RequestDenied');
      // GroupMember.Read.All reads groups delta but is not among the permissions that subscribe to groups.
      sim.application.grantedPermissions = ['GroupMember.Read.All'];
      const groups = await graphCall(sim, await tokenFor(sim), 'POST', '/subscriptions', {
        changeType: 'updated',
        notificationUrl: receiver.url(),
        resource: '/groups',
        expirationDateTime: minutesFromNow(sim, 60),
      });
      expect(groups.status).toBe(403);
    } finally {
      sim.application.grantedPermissions = granted;
    }
    sim.notifications.configure({ maxSubscriptionsPerApp: 1 });
    try {
      expect((await create({})).status).toBe(201);
      expect((await create({ resource: '/groups' })).status).toBe(403);
    } finally {
      sim.notifications.configure({ maxSubscriptionsPerApp: 100 });
    }
  });

  it('refuses a call without a valid bearer token', async () => {
    const listed = await graphCall(sim, 'not-a-token', 'GET', '/subscriptions');
    expect(listed.status).toBe(401);
  });
});

describe('renewing, reauthorizing and deleting', () => {
  it('renews by PATCH, reauthorizes, deletes, and answers 404 afterwards', async () => {
    const id = (await create({})).json.id as string;
    const renewedTo = minutesFromNow(sim, 3 * 24 * 60);
    const renewed = await graphCall(sim, token, 'PATCH', `/subscriptions/${id}`, { expirationDateTime: renewedTo });
    expect(renewed.status).toBe(200);
    expect(renewed.json.expirationDateTime).toBe(renewedTo);
    expect((await graphCall(sim, token, 'PATCH', `/subscriptions/${id}`, { expirationDateTime: minutesFromNow(sim, MAX_LIFETIME_MINUTES + 5) })).status).toBe(400);
    expect((await graphCall(sim, token, 'PATCH', `/subscriptions/${id}`, { lifecycleNotificationUrl: receiver.url('/late') })).status).toBe(400);
    expect((await graphCall(sim, token, 'POST', `/subscriptions/${id}/reauthorize`)).status).toBe(204);

    expect((await graphCall(sim, token, 'DELETE', `/subscriptions/${id}`)).status).toBe(204);
    for (const [method, path, body] of [
      ['GET', `/subscriptions/${id}`, undefined],
      ['PATCH', `/subscriptions/${id}`, { expirationDateTime: renewedTo }],
      ['DELETE', `/subscriptions/${id}`, undefined],
      ['POST', `/subscriptions/${id}/reauthorize`, undefined],
    ] as const) {
      expect((await graphCall(sim, token, method, path, body)).status, `${method} ${path}`).toBe(404);
    }
  });
});

describe("the endpoint's certificate", () => {
  it('is refused when it chains to nothing the simulator trusts: the create answers 400', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'notify-trust-'));
    const stranger = (await createTestPki(dir, 'stranger')).server;
    const endpoint = await NotificationReceiver.start(0, { cert: stranger.cert, key: stranger.key });
    try {
      const created = await create({ notificationUrl: endpoint.url() });
      expect(created.status).toBe(400);
      expect(created.json.error?.code).toBe('ValidationError');
    } finally {
      await endpoint.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is trusted when it is the simulator's own certificate (which the process need not trust), or one the process trusts", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'notify-own-'));
    const own = await ensureSelfSignedCertificate(dir);
    const endpoint = await NotificationReceiver.start(0, { cert: own.cert, key: own.key });
    try {
      const trust = new EndpointTrust(own.cert);
      expect(await validateEndpoint(endpoint.url(), 5_000, trust)).toEqual({ ok: true });
      // The test certificate (NODE_EXTRA_CA_CERTS) stays trusted beside it.
      expect(await validateEndpoint(receiver.url(), 5_000, trust)).toEqual({ ok: true });
      expect(await validateEndpoint(endpoint.url(), 5_000, new EndpointTrust())).toMatchObject({ ok: false, reason: 'failed' });
    } finally {
      await endpoint.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
