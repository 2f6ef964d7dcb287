import type { Command } from 'commander';
import { describeTail, type TailWorkflowView } from '../tails';
import { streamsReadAt } from '../../activities/tail/tailState';
import { readNotificationStatus } from '../../activities/store/notificationStatus';
import { subscriptionsOfConnector } from '../../activities/store/notificationSubscriptions';
import type { Queryable } from '../../activities/store/database';
import { formatDuration } from '../../shared/duration';
import type { Runner } from './connectorCommands';
import type { CliContext } from './context';
import { listConnectorRecords, type ConnectorRecord } from './connectorRecords';
import { requireRecord } from './connectorLookup';
import { listRuns, type RunRow } from './runRecords';
import { formatSeconds, formatTime, out, printJson, table } from './output';

type Action = Parameters<Runner>[0];

export function registerTailCommands(program: Command, run: Runner): void {
  const tail = program.command('tail').description('tails: passes that land changes within seconds between full runs (docs/run-lifecycle.md)');
  tail
    .command('status')
    .description('per connector: tail on or off, interval, workflow state, change notifications (and why not), subscriptions, last passes, lag per stream')
    .argument('[id]', 'connector id; default: every connector')
    .option('--json', 'print JSON')
    .action(run(statusCommand as Action));
}

type TailView = {
  connectorId: string;
  tail: 'on' | 'off';
  enabled: boolean;
  interval: string;
  workflow: TailWorkflowView;
  lastPasses: Array<Pick<RunRow, 'id' | 'status' | 'startedAt' | 'finishedAt' | 'durationMs' | 'errorKind' | 'upserted' | 'removed'>>;
  /** Seconds since a committed run last read each stream a pass reads. */
  lagSeconds: Record<string, number>;
  notifications: NotificationsView;
};

/** Change notifications as the connector's subscription manager last found them (docs/notifications.md). */
type NotificationsView = {
  state: 'on' | 'off' | 'unavailable';
  reason?: string;
  retryAt?: string;
  checkedAt?: string;
  subscriptions: Array<{ resource: string; id: string; expiresAt: string }>;
};

async function notificationsOf(db: Queryable, connectorId: string): Promise<NotificationsView> {
  const status = await readNotificationStatus(db, connectorId);
  const subscriptions = (await subscriptionsOfConnector(db, connectorId)).map((s) => ({ resource: s.resource, id: s.subscriptionId, expiresAt: new Date(s.expiresAt).toISOString() }));
  if (!status) return { state: 'off', reason: 'no tail has managed its subscriptions yet', subscriptions };
  return {
    state: status.state,
    ...(status.reason ? { reason: status.reason } : {}),
    ...(status.retryAt ? { retryAt: new Date(status.retryAt).toISOString() } : {}),
    checkedAt: new Date(status.checkedAt).toISOString(),
    subscriptions,
  };
}

async function statusCommand(ctx: CliContext, id: string | undefined, o: { json?: boolean }): Promise<void> {
  const db = await ctx.db();
  const connectors: ConnectorRecord[] = id ? [await requireRecord(ctx, id)] : await listConnectorRecords(db);
  const client = await ctx.temporal();
  const views: TailView[] = [];
  for (const c of connectors) {
    const readAt = await streamsReadAt(db, c.id);
    const passes = await listRuns(db, { connectorId: c.id, kind: 'tail', limit: 5 });
    views.push({
      connectorId: c.id,
      tail: c.tailEnabled ? 'on' : 'off',
      enabled: c.enabled,
      interval: formatDuration((c.tailIntervalSeconds ?? ctx.config.tailIntervalMs / 1000) * 1000),
      workflow: await describeTail(client, c.id),
      lastPasses: passes.map(({ id, status, startedAt, finishedAt, durationMs, errorKind, upserted, removed }) => ({ id, status, startedAt, finishedAt, durationMs, errorKind, upserted, removed })),
      notifications: await notificationsOf(db, c.id),
      lagSeconds: Object.fromEntries(Object.entries(readAt).map(([stream, at]) => [stream, Math.max(0, Math.round((Date.now() - Date.parse(at)) / 1000))])),
    });
  }
  if (o.json) return printJson(views);
  if (views.length === 0) return out('no connectors');
  for (const v of views) out(describe(v));
}

function describe(v: TailView): string {
  const s = v.workflow.status;
  const state = !v.workflow.running ? 'not running' : s ? `${s.state}${s.pausedReason ? ` (${s.pausedReason})` : ''}` : `running (query failed: ${v.workflow.queryError})`;
  const rows: string[][] = [
    ['connector', `${v.connectorId}${v.enabled ? '' : ' (disabled)'}`],
    ['tail', `${v.tail}, every ${v.interval}`],
    ['workflow', `${v.workflow.workflowId}: ${state}`],
  ];
  if (s) {
    rows.push(['passes', `${s.passes} (triggers waiting: ${s.triggersWaiting}${s.consecutiveFailures ? `, failed in a row: ${s.consecutiveFailures}` : ''})`]);
    if (s.currentPass) rows.push(['current pass', `${s.currentPass.workflowId}, running for ${formatSeconds(Date.now() - Date.parse(s.currentPass.startedAt))}`]);
    if (s.lastPass) rows.push(['last pass', `#${s.lastPass.syncRunId} ${s.lastPass.outcome} at ${s.lastPass.finishedAt}, ${s.lastPass.changes} change(s)${s.lastPass.reason ? `: ${s.lastPass.reason}` : ''}`]);
  }
  const n = v.notifications;
  rows.push(['notifications', `${n.state}${n.reason ? `: ${n.reason}` : ''}${n.checkedAt ? ` (checked ${formatTime(new Date(n.checkedAt))})` : ''}`]);
  for (const sub of n.subscriptions) rows.push([`subscription ${sub.resource}`, `${sub.id}, expires ${formatTime(new Date(sub.expiresAt))}`]);
  for (const p of v.lastPasses) rows.push([`pass #${p.id}`, `${p.status}${p.errorKind ? ` (${p.errorKind})` : ''} ${formatTime(p.startedAt)} ${formatSeconds(p.durationMs)}, +${p.upserted} -${p.removed}`]);
  for (const [stream, lag] of Object.entries(v.lagSeconds)) rows.push([`lag ${stream}`, `${lag}s`]);
  return `${table(rows)}\n`;
}
