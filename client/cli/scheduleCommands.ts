import type { Command } from 'commander';
import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import { formatDuration } from '../../shared/duration';
import { syncScheduleId } from '../../workflows/ids';
import { applySyncSchedule } from '../schedules';
import { ensureTail } from '../tails';
import { CliError } from './cliErrors';
import type { Runner } from './connectorCommands';
import { requireRecord } from './connectorLookup';
import { listConnectorRecords, type ConnectorRecord } from './connectorRecords';
import type { CliContext } from './context';
import { formatTime, out, printJson, table } from './output';

type Action = Parameters<Runner>[0];

export function registerScheduleCommands(program: Command, run: Runner): void {
  const schedule = program.command('schedule').description("a connector's Temporal Schedule: one sync per interval, never two at once");

  schedule
    .command('apply')
    .description("create or update the connector's schedule (interval from the connector, else SYNC_ENTRA_INTERVAL; overlap SKIP); safe to repeat")
    .argument('[id]', 'connector id')
    .option('--all', 'every connector')
    .action(run(applyCommand as Action));

  schedule
    .command('pause')
    .description('stop starting runs (a running one finishes)')
    .argument('<id>', 'connector id')
    .option('--note <text>', 'why, shown in the Web UI', 'paused with entra-sync schedule pause')
    .action(run(pauseCommand as Action));

  schedule
    .command('resume')
    .description('start runs again at the next interval')
    .argument('<id>', 'connector id')
    .option('--note <text>', 'shown in the Web UI', 'resumed with entra-sync schedule resume')
    .action(run(resumeCommand as Action));

  schedule
    .command('describe')
    .description('interval, policies, state, next and recent runs')
    .argument('<id>', 'connector id')
    .option('--json', 'print JSON')
    .action(run(describeCommand as Action));
}

/** The interval a connector syncs at: its own, else the deployment's SYNC_ENTRA_INTERVAL. */
export const effectiveIntervalMs = (ctx: CliContext, c: ConnectorRecord) => (c.syncIntervalSeconds !== null ? c.syncIntervalSeconds * 1000 : ctx.config.syncIntervalMs);

async function applyCommand(ctx: CliContext, id: string | undefined, o: { all?: boolean }): Promise<void> {
  if (!id === !o.all) throw new CliError('give a connector id, or --all for every connector');
  const connectors = o.all ? await listConnectorRecords(await ctx.db()) : [await requireRecord(ctx, id!)];
  if (connectors.length === 0) throw new CliError('no connectors to schedule; add one with: entra-sync connector add');
  const client = await ctx.temporal();
  for (const c of connectors) {
    out(await applyOne(ctx, client, c));
    // The tails of connectors with their tail on run beside the schedules.
    if (c.enabled && c.tailEnabled) out(`tail of ${c.id} running (${(await ensureTail(client, c.id, ctx.taskQueue, 'schedule apply')).workflowId})`);
  }
}

async function applyOne(ctx: CliContext, client: Client, c: ConnectorRecord): Promise<string> {
  const intervalMs = effectiveIntervalMs(ctx, c);
  const existed = (await describeOrUndefined(client, c.id)) !== undefined;
  const handle = await applySyncSchedule(client, {
    connectorId: c.id,
    tenantId: c.tenantId,
    taskQueue: ctx.taskQueue,
    intervalMs,
    startPaused: !c.enabled,
  });
  if (!c.enabled && existed) await handle.pause(`connector ${c.id} is disabled`);
  const d = await handle.describe();
  return (
    `schedule ${handle.scheduleId} ${existed ? 'updated' : 'created'}: every ${formatDuration(intervalMs)} on task queue ${ctx.taskQueue}, ` +
    `overlap ${d.policies.overlap}, catch-up window ${formatDuration(d.policies.catchupWindow)}${d.state.paused ? `, paused (${d.state.note ?? ''})` : ''}`
  );
}

async function pauseCommand(ctx: CliContext, id: string, o: { note: string }): Promise<void> {
  const handle = await existingHandle(ctx, id);
  await handle.pause(o.note);
  out(`schedule ${handle.scheduleId} paused; a run in progress finishes; resume with: entra-sync schedule resume ${id}`);
}

async function resumeCommand(ctx: CliContext, id: string, o: { note: string }): Promise<void> {
  const handle = await existingHandle(ctx, id);
  await handle.unpause(o.note);
  const d = await handle.describe();
  out(`schedule ${handle.scheduleId} resumed; next run ${formatTime(d.info.nextActionTimes[0])}`);
}

async function describeCommand(ctx: CliContext, id: string, o: { json?: boolean }): Promise<void> {
  const client = await ctx.temporal();
  const d = await describeOrUndefined(client, id);
  if (!d) throw noSchedule(id);
  const view = scheduleView(d);
  if (o.json) return printJson(view);
  out(
    table([
      ['schedule', view.scheduleId],
      ['state', view.paused ? `paused${view.note ? ` (${view.note})` : ''}` : 'active'],
      ['interval', view.intervals.map((ms, i) => `${formatDuration(ms)} (at +${formatDuration(view.offsetsMs[i] ?? 0)} in each)`).join(', ')],
      ['overlap', String(view.overlap)],
      ['catch-up window', formatDuration(view.catchupWindowMs)],
      ['task queue', view.taskQueue ?? '-'],
      ['workflow id', `${view.workflowId ?? '-'}-<time>`],
      ['next runs', view.nextActionTimes.slice(0, 3).map((t) => formatTime(t)).join(', ') || '-'],
      ['running', view.running.map((r) => r.workflowId).join(', ') || 'none'],
      ['runs started', String(view.numActionsTaken)],
      ['skipped (overlap)', String(view.numActionsSkippedOverlap)],
      ['missed (catch-up)', String(view.numActionsMissedCatchupWindow)],
    ]),
  );
  if (view.recentActions.length) {
    out('\nrecent runs');
    out(table(view.recentActions.map((a) => [formatTime(a.takenAt), a.workflowId])));
  }
}

export function scheduleView(d: ScheduleDescription) {
  return {
    scheduleId: d.scheduleId,
    paused: d.state.paused,
    note: d.state.note,
    intervals: (d.spec.intervals ?? []).map((i) => i.every),
    offsetsMs: (d.spec.intervals ?? []).map((i) => i.offset ?? 0),
    overlap: d.policies.overlap,
    catchupWindowMs: d.policies.catchupWindow,
    taskQueue: d.action.type === 'startWorkflow' ? d.action.taskQueue : undefined,
    workflowId: d.action.type === 'startWorkflow' ? d.action.workflowId : undefined,
    nextActionTimes: d.info.nextActionTimes,
    running: d.info.runningActions.map((a) => ({ workflowId: a.workflow.workflowId, workflowRunId: a.workflow.firstExecutionRunId })),
    recentActions: d.info.recentActions.map((a) => ({
      scheduledAt: a.scheduledAt,
      takenAt: a.takenAt,
      workflowId: a.action.workflow.workflowId,
      workflowRunId: a.action.workflow.firstExecutionRunId,
    })),
    numActionsTaken: d.info.numActionsTaken,
    numActionsSkippedOverlap: d.info.numActionsSkippedOverlap,
    numActionsMissedCatchupWindow: d.info.numActionsMissedCatchupWindow,
  };
}

export async function describeOrUndefined(client: Client, connectorId: string): Promise<ScheduleDescription | undefined> {
  try {
    return await client.schedule.getHandle(syncScheduleId(connectorId)).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

async function existingHandle(ctx: CliContext, id: string) {
  const client = await ctx.temporal();
  if (!(await describeOrUndefined(client, id))) throw noSchedule(id);
  return client.schedule.getHandle(syncScheduleId(id));
}

export function noSchedule(id: string): CliError {
  return new CliError(`no schedule ${syncScheduleId(id)}; create it with: entra-sync schedule apply ${id}`);
}
