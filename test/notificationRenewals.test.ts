import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GraphSessions } from '../activities/graph/graphSessions';
import { manageSubscriptionsActivity } from '../activities/notifications/manageSubscriptions';
import { loadKeyRing } from '../activities/secrets/secretCipher';
import { StaticSecretStore } from '../activities/secrets/secretStore';
import { setConnectorTail } from '../activities/store/connectorTail';
import { upsertConnector } from '../activities/store/connectors';
import { createDatabase, type Database } from '../activities/store/database';
import { subscriptionsOfConnector } from '../activities/store/notificationSubscriptions';
import { readNotificationStatus } from '../activities/store/notificationStatus';
import { notificationUrls } from '../shared/notificationUrls';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { eventually, NotificationReceiver } from './support/notificationReceiver';
import { changeTenantForTail } from './support/tailChanges';
import { createTestDatabase } from './support/testDatabase';
import { TEST_TLS_DIR } from './support/testTls';

/**
 * A month of renewals on the simulator's moved clock: the manager activity is called as the tail's
 * timer would call it, every 12 hours of Graph's time, and no subscription may run out between.
 * Graph's lifetime for users and groups is under 29 days (41,760 minutes), so a month needs
 * renewals. Authorization never lapses here (authorizationLifetimeSeconds 0): only expiry is tested.
 */

const MAX_LIFETIME_MS = 41_760 * 60_000;
const STEP_SECONDS = 12 * 3600;
const DAYS = 31;

let sim: RunningSimulator;
let db: Database;
let endpoint: NotificationReceiver;
const connectorId = `renew-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 285, users: 10, throttling: false, notifications: { authorizationLifetimeSeconds: 0 } });
  db = createDatabase(await createTestDatabase(inject('postgresUrl'), 'renewals'));
  await upsertConnector(db, { id: connectorId, ...sim.config, discoveryEnabled: false });
  await setConnectorTail(db, connectorId, { enabled: true });
  endpoint = await NotificationReceiver.start();
});
afterAll(async () => {
  await endpoint?.close();
  await db?.end();
  await sim?.close();
});

describe('renewals', { timeout: 120_000 }, () => {
  it('a month on the moved clock: the same two subscriptions throughout, renewed before they run out, and notifications still delivered at the end', async () => {
    const keys = loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64') })!;
    const urls = notificationUrls(`https://localhost:${endpoint.port}`);
    const manage = manageSubscriptionsActivity({ db, graph: new GraphSessions(new StaticSecretStore(new Map([[connectorId, sim.config.clientSecret]]))), notifications: { urls, keys } });

    const first = await manage({ connectorId });
    expect(first.state).toBe('on');
    const ids = sim.notifications.subscriptions.all().map((g) => g.id).sort();
    expect(ids).toHaveLength(2);
    let shortest = Number.POSITIVE_INFINITY;
    for (let step = 1; step <= (DAYS * 24 * 3600) / STEP_SECONDS; step++) {
      sim.clock.advance(STEP_SECONDS);
      const result = await manage({ connectorId });
      expect(result, `step ${step}`).toMatchObject({ state: 'on', recreated: false });
      const graph = sim.notifications.subscriptions.all();
      // Never gone, never replaced: coverage without a gap.
      expect(graph.map((g) => g.id).sort(), `day ${step / 2}`).toEqual(ids);
      for (const g of graph) {
        const left = g.expiresAtMs - sim.clock.nowMs();
        expect(left).toBeLessThanOrEqual(MAX_LIFETIME_MS);
        shortest = Math.min(shortest, left);
      }
      const recorded = await subscriptionsOfConnector(db, connectorId);
      expect(recorded.map((r) => [r.subscriptionId, r.expiresAt.getTime()]).sort()).toEqual(graph.map((g) => [g.id, g.expiresAtMs]).sort());
    }
    expect(sim.notifications.expiredSubscriptions).toBe(0);
    // Renewed well before the end: never closer than a day to expiry at a 12-hour step.
    expect(shortest).toBeGreaterThan(24 * 3600_000);
    const renewals = sim.requestLog.entries().filter((e) => e.method === 'PATCH' && e.path.startsWith('/v1.0/subscriptions/') && e.status === 200);
    for (const id of ids) expect(renewals.filter((e) => e.path.endsWith(id)).length, id).toBeGreaterThanOrEqual(1);

    // Still delivering a month on.
    changeTenantForTail(sim.tenant, 9);
    const delivered = await eventually(() => endpoint.notifications('/notifications').find((n) => ids.includes(n.subscriptionId as string) && String(n.resource).startsWith('Users/')), 'a user notification');
    expect(delivered.clientState).toBeDefined();
  });

  it('ending with a credential Graph refuses: the records go anyway (the receiver drops their notifications) and the reason says Graph ends them at expiry', async () => {
    expect(await subscriptionsOfConnector(db, connectorId)).toHaveLength(2);
    const keys = loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64') })!;
    const manage = manageSubscriptionsActivity({
      db,
      graph: new GraphSessions(new StaticSecretStore(new Map([[connectorId, 'not-the-secret']]))),
      notifications: { urls: notificationUrls(`https://localhost:${endpoint.port}`), keys },
    });
    await setConnectorTail(db, connectorId, { enabled: false });
    expect(await manage({ connectorId, ending: true })).toMatchObject({ state: 'off', recreated: false });
    expect(await subscriptionsOfConnector(db, connectorId)).toEqual([]);
    expect(sim.notifications.subscriptions.size).toBe(2);
    const status = await readNotificationStatus(db, connectorId);
    expect(status?.state).toBe('off');
    expect(status?.reason).toMatch(/^the tail is off; its subscriptions could not be deleted in Graph \(Microsoft Entra rejected the client secret .*\); Graph ends them at their expiry$/);
  });

  it("a receiver that fails Graph's validation handshake: 400 on create, notifications unavailable with what to check; subscriptions to our URL that nobody records are deleted first", async () => {
    // The previous test left two subscriptions in Graph that no record names any more.
    expect(sim.notifications.subscriptions.size).toBe(2);
    const keys = loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64') })!;
    const urls = notificationUrls(`https://localhost:${endpoint.port}`);
    const manage = manageSubscriptionsActivity({ db, graph: new GraphSessions(new StaticSecretStore(new Map([[connectorId, sim.config.clientSecret]]))), notifications: { urls, keys } });
    await setConnectorTail(db, connectorId, { enabled: true });
    endpoint.behaviour.handshake = 'wrongToken';
    expect(await manage({ connectorId })).toMatchObject({ state: 'unavailable', recreated: false, nextCheckInSeconds: 3600 });
    expect(sim.notifications.subscriptions.size).toBe(0);
    const status = await readNotificationStatus(db, connectorId);
    expect(status?.state).toBe('unavailable');
    expect(status?.reason).toContain('Graph refused to create the change-notification subscription for /users (400 ValidationError');
    expect(status?.reason).toContain(`the receiver did not answer Graph's validation request at ${urls.notificationUrl} and ${urls.lifecycleNotificationUrl}`);

    // Fixed: the next look creates both.
    endpoint.behaviour.handshake = 'echo';
    expect(await manage({ connectorId })).toMatchObject({ state: 'on' });
    expect(sim.notifications.subscriptions.all().map((g) => g.resource).sort()).toEqual(['/groups', '/users']);
    expect((await readNotificationStatus(db, connectorId))?.state).toBe('on');
  });

  it('a subscription limit reached: the /groups subscription Graph dropped cannot be created again (403), notifications unavailable naming the limit', async () => {
    const keys = loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64') })!;
    const manage = manageSubscriptionsActivity({
      db,
      graph: new GraphSessions(new StaticSecretStore(new Map([[connectorId, sim.config.clientSecret]]))),
      notifications: { urls: notificationUrls(`https://localhost:${endpoint.port}`), keys },
    });
    // Another app of the tenant fills the quota while Graph drops the groups subscription.
    sim.notifications.configure({ maxSubscriptionsPerApp: 1 });
    const groups = sim.notifications.subscriptions.all().find((g) => g.resource === '/groups')!;
    sim.notifications.subscriptions.remove(groups.id);
    expect(await manage({ connectorId })).toMatchObject({ state: 'unavailable' });
    const status = await readNotificationStatus(db, connectorId);
    expect(status?.reason).toContain('Graph refused to create the change-notification subscription for /groups (403 ExtensionError: Subscription quota reached');
    expect(status?.reason).toContain('a subscription limit is reached');
    expect((await subscriptionsOfConnector(db, connectorId)).map((r) => r.resource)).toEqual(['/users']);
  });
});
