import { inject } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { setConnectorTail } from '../activities/store/connectorTail';
import { readNotificationStatus } from '../activities/store/notificationStatus';
import { until } from '../reliability/waits';
import { DEFAULT_GRANTED_PERMISSIONS } from '../simulator/identity/clientApplication';
import { EntraTailWorkflow, tailStatusQuery } from '../workflows/entraTail';
import { tailWorkflowId } from '../workflows/ids';
import { runCli } from './support/cliProcess';
import { useNotificationStack, type NotificationStack } from './support/notificationStack';

/**
 * An app with GroupMember.Read.All instead of Group.Read.All: enough to sync groups, not to
 * subscribe to them ("Create subscription" names Group.Read.All). Graph answers the /groups create
 * with 403; notifications are unavailable for the connector, `tail status` says why, the backstop
 * keeps passing. Then `connector remove` deletes the /users subscription in Graph before the row.
 */

let s: NotificationStack;
useNotificationStack(
  { seed: 284, users: 40, pageSize: 40, grantedPermissions: [...DEFAULT_GRANTED_PERMISSIONS.filter((p) => p !== 'Group.Read.All'), 'GroupMember.Read.All'] },
  (stack) => (s = stack),
);

let tail: WorkflowHandle<typeof EntraTailWorkflow> | undefined;
afterAll(async () => {
  await tail?.terminate('test over').catch(() => undefined);
});

const cli = (args: string[]) =>
  runCli(args, { DATABASE_URL: s.harness.databaseUrl, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: s.harness.taskQueue });

type StatusView = { notifications: { state: string; reason?: string; retryAt?: string; subscriptions: Array<{ resource: string; id: string; expiresAt: string }> } };

describe('notifications unavailable', { timeout: 180_000 }, () => {
  it('a 403 on create marks notifications unavailable with why and what to do, tail status shows it, and the backstop keeps passing', async () => {
    const { harness } = s;
    await harness.sync();
    await setConnectorTail(harness.db, harness.connectorId, { enabled: true, intervalSeconds: 1 });
    tail = await harness.client.workflow.start(EntraTailWorkflow, { taskQueue: harness.taskQueue, workflowId: tailWorkflowId(harness.connectorId), args: [{ connectorId: harness.connectorId }] });
    const saved = await until('notifications unavailable', async () => {
      const st = await readNotificationStatus(harness.db, harness.connectorId);
      return st?.state === 'unavailable' ? st : undefined;
    });
    // Retried in an hour; the backstop timer covers meanwhile.
    expect(saved.retryAt!.getTime() - saved.checkedAt.getTime()).toBeGreaterThan(59 * 60_000);

    const shown = await cli(['tail', 'status', harness.connectorId, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const [view] = JSON.parse(shown.stdout) as StatusView[];
    expect(view!.notifications.state).toBe('unavailable');
    expect(view!.notifications.reason).toContain('Graph refused to create the change-notification subscription for /groups (403 Authorization_RequestDenied');
    expect(view!.notifications.reason).toContain('the app lacks the application permission Group.Read.All');
    expect(view!.notifications.retryAt).toBeDefined();
    // The users subscription Graph allowed is kept: its notifications still wake the tail.
    const graph = s.sim.notifications.subscriptions.all();
    expect(graph.map((g) => g.resource)).toEqual(['/users']);
    expect(view!.notifications.subscriptions).toEqual([{ resource: '/users', id: graph[0]!.id, expiresAt: new Date(graph[0]!.expiresAtMs).toISOString() }]);
    const text = await cli(['tail', 'status', harness.connectorId]);
    expect(text.stdout).toMatch(/notifications\s+unavailable: Graph refused to create the change-notification subscription for \/groups/);
    expect(text.stdout).toMatch(new RegExp(`subscription /users\\s+${graph[0]!.id}, expires \\d{4}-`));

    // The backstop (1 s here) goes on.
    const passes = (await tail.query(tailStatusQuery)).passes;
    const later = await until('two more backstop passes', async () => ((st) => (st.passes >= passes + 2 ? st : undefined))(await tail!.query(tailStatusQuery)));
    expect(later.lastPass?.outcome).toBe('committed');
  });

  it('connector remove has the tail delete its subscriptions in Graph before the row goes', async () => {
    expect(s.sim.notifications.subscriptions.size).toBe(1);
    const removed = await cli(['connector', 'remove', s.harness.connectorId, '--yes']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).not.toContain('could not be deleted');
    expect(s.sim.notifications.subscriptions.all()).toEqual([]);
    const { rows } = await s.harness.db.query('select 1 from connectors where id = $1', [s.harness.connectorId]);
    expect(rows).toEqual([]);
    expect(await tail!.result()).toMatchObject({ stoppedBecause: 'the tail was turned off' });
  });
});
