import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { setConnectorTail } from '../activities/store/connectorTail';
import { readNotificationStatus } from '../activities/store/notificationStatus';
import { subscriptionSecret, subscriptionsOfConnector } from '../activities/store/notificationSubscriptions';
import { until } from '../reliability/waits';
import { EntraTailWorkflow, tailStatusQuery, triggerSignal, type TailStatus } from '../workflows/entraTail';
import { tailWorkflowId } from '../workflows/ids';
import { useNotificationStack, type NotificationStack } from './support/notificationStack';
import { changeTenantForTail } from './support/tailChanges';
import { tenantDifferences } from './support/tenantTruth';

/**
 * The subscription manager on the real stack: the tail's worker with ENTRA_NOTIFICATION_URL set,
 * the receiver at that URL, the simulator's /subscriptions as ground truth (docs/notifications.md,
 * "Subscriptions"). The manager looks at Graph every 2 s here (an hour in production).
 */

let s: NotificationStack;
useNotificationStack({ seed: 283, users: 60, pageSize: 40 }, (stack) => (s = stack), { checkEverySeconds: 2 });

// Microsoft's change types for users and groups; one subscription each.
const WATCHED = [
  { resource: '/groups', changeType: 'updated,deleted' },
  { resource: '/users', changeType: 'updated,deleted' },
];
const MAX_LIFETIME_MS = 41_760 * 60_000;

let tail: WorkflowHandle<typeof EntraTailWorkflow> | undefined;
afterAll(async () => {
  await tail?.terminate('test over').catch(() => undefined);
});

const db = () => s.harness.db;
const connectorId = () => s.harness.connectorId;
const inGraph = () => s.sim.notifications.subscriptions.all().sort((a, b) => a.resource.localeCompare(b.resource));
const records = () => subscriptionsOfConnector(db(), connectorId());
const status = () => tail!.query(tailStatusQuery);
const statusWhen = (what: string, check: (st: TailStatus) => boolean) => until(what, async () => ((st) => (check(st) ? st : undefined))(await status()));
const receiverUrl = (path: string) => `https://localhost:${new URL(s.receiver.url).port}${path}`;
const simControl = (path: string) => `${new URL(s.sim.config.graphBaseUrl).origin}/_sim${path}`;

describe('Graph subscriptions kept by the tail', { timeout: 180_000 }, () => {
  it('with the tail on and ENTRA_NOTIFICATION_URL set: one subscription for users and one for groups, recorded as Graph holds them, and a change lands through a notification', async () => {
    await s.harness.sync();
    await setConnectorTail(db(), connectorId(), { enabled: true, intervalSeconds: 3600 });
    tail = await s.harness.client.workflow.start(EntraTailWorkflow, { taskQueue: s.harness.taskQueue, workflowId: tailWorkflowId(connectorId()), args: [{ connectorId: connectorId() }] });
    await until('notifications on', async () => (await readNotificationStatus(db(), connectorId()))?.state === 'on' || undefined);
    await statusWhen('the first pass', (st) => st.passes >= 1 && st.state === 'waiting');

    const graph = inGraph();
    expect(graph.map((g) => ({ resource: g.resource, changeType: g.changeType, notificationUrl: g.notificationUrl, lifecycleNotificationUrl: g.lifecycleNotificationUrl }))).toEqual(
      WATCHED.map((w) => ({ ...w, notificationUrl: receiverUrl('/notifications'), lifecycleNotificationUrl: receiverUrl('/lifecycle') })),
    );
    const recorded = await records();
    expect(recorded.map((r) => ({ id: r.subscriptionId, resource: r.resource, expiresAt: r.expiresAt.toISOString() }))).toEqual(
      graph.map((g) => ({ id: g.id, resource: g.resource, expiresAt: new Date(g.expiresAtMs).toISOString() })),
    );
    for (const g of graph) {
      // The clientState Graph echoes is the one sealed in PostgreSQL: 32 random bytes.
      expect(g.clientState).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect((await subscriptionSecret(db(), s.keys, g.id))?.clientState).toBe(g.clientState);
      // As long as Graph allows, measured on Graph's clock.
      const lifetime = g.expiresAtMs - s.sim.clock.nowMs();
      expect(lifetime).toBeLessThanOrEqual(MAX_LIFETIME_MS);
      expect(lifetime).toBeGreaterThan(MAX_LIFETIME_MS - 2 * 3600_000);
    }

    // An hour's backstop: only the notification the change raises can wake a pass now.
    const before = (await status()).passes;
    const applied = changeTenantForTail(s.sim.tenant, 1);
    await statusWhen('the pass a notification woke', (st) => st.passes > before && st.state === 'waiting');
    expect(await tenantDifferences(db(), connectorId(), s.sim.tenant), applied.join(', ')).toEqual([]);
    const { rows } = await db().query<{ n: number }>(`select count(*)::int as n from notification_receipts where connector_id = $1 and event = 'changed' and signalled_at is not null`, [connectorId()]);
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it('reauthorizationRequired: the tail reauthorizes the subscription Graph challenged and marks the lifecycle notification handled', async () => {
    const ids = inGraph().map((g) => g.id);
    const passesBefore = (await status()).passes;
    s.sim.requestLog.clear();
    // Graph challenges 15 minutes before the authorization (an hour here) runs out.
    s.sim.clock.advance(50 * 60);
    const handled = await until('each challenge handled', async () => {
      const { rows } = await db().query<{ subscriptionId: string }>(
        `select distinct subscription_id as "subscriptionId" from notification_receipts where connector_id = $1 and event = 'reauthorizationRequired' and handled_at is not null`,
        [connectorId()],
      );
      return rows.length === ids.length ? rows.map((r) => r.subscriptionId).sort() : undefined;
    });
    expect(handled).toEqual([...ids].sort());
    const reauthorized = s.sim.requestLog.entries().filter((e) => e.method === 'POST' && /\/reauthorize$/.test(e.path) && e.status === 204);
    expect(new Set(reauthorized.map((e) => e.path.split('/').at(-2)))).toEqual(new Set(ids));
    // Notifications flow again for another authorization lifetime.
    for (const g of inGraph()) expect(g.authorizedUntilMs).toBeGreaterThan(s.sim.clock.nowMs() + 30 * 60_000);
    // And the lifecycle notification woke a pass, after the manager acted.
    expect((await statusWhen('the pass the challenge woke', (st) => st.passes >= passesBefore + 1 && st.state === 'waiting')).lastPass?.outcome).toBe('committed');
  });

  it('a subscription Graph removed is created again, and a pass runs right after', async () => {
    const removed = inGraph().find((g) => g.resource === '/users')!;
    // The passes the lifecycle notifications woke are over.
    await statusWhen('no pass in flight or waiting', (st) => st.state === 'waiting' && st.triggersWaiting === 0 && !st.currentPass);
    const response = await fetch(simControl(`/notifications/subscriptions/${removed.id}/remove`), { method: 'POST' });
    expect(response.ok).toBe(true);
    const recreated = await until('a new /users subscription', async () => {
      const users = (await records()).find((r) => r.resource === '/users');
      return users && users.subscriptionId !== removed.id ? users : undefined;
    });
    expect(inGraph().map((g) => g.id)).toContain(recreated.subscriptionId);
    const { rows } = await db().query<{ createdAt: Date }>(`select created_at as "createdAt" from notification_subscriptions where subscription_id = $1`, [recreated.subscriptionId]);
    // The backstop is an hour and nothing triggered: a pass that starts after the recreation is the one it ran.
    const after = await statusWhen('a pass after the recreation', (st) => st.state === 'waiting' && st.lastPass !== undefined && Date.parse(st.lastPass.startedAt) >= rows[0]!.createdAt.getTime() - 1_000);
    expect(after.lastPass?.outcome).toBe('committed');
  });

  it('tail off: the subscriptions are deleted in Graph and in PostgreSQL, and the tail ends', async () => {
    expect(inGraph()).toHaveLength(2);
    await setConnectorTail(db(), connectorId(), { enabled: false });
    await tail!.signal(triggerSignal, { reason: 'tail off' });
    expect(await tail!.result()).toMatchObject({ stoppedBecause: 'the tail was turned off' });
    expect(inGraph()).toEqual([]);
    expect(await records()).toEqual([]);
    expect(await readNotificationStatus(db(), connectorId())).toMatchObject({ state: 'off', reason: 'the tail is off' });
  });
});
