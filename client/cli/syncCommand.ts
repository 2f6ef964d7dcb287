import type { Command } from 'commander';
import { formatOutcome } from '../formatOutcome';
import { awaitRunOutcome, workflowUiUrl } from '../runOutcome';
import { triggerSync } from '../triggerSync';
import type { Runner } from './connectorCommands';
import type { CliContext } from './context';
import { note, out, printJson } from './output';
import { describeOrUndefined, noSchedule } from './scheduleCommands';
import { followProgress } from './syncProgress';
import * as valid from './validation';

type Action = Parameters<Runner>[0];

export function registerSyncCommand(program: Command, run: Runner): void {
  program
    .command('sync')
    .description("start a sync now, through the connector's schedule (overlap SKIP: never beside a running one)")
    .requiredOption('--connector <id>', 'connector id')
    .option('--wait', 'show progress per stream until the run ends, then its summary; exit 1 when it failed')
    .option('--json', 'print JSON')
    .action(run(syncCommand as Action));
}

async function syncCommand(ctx: CliContext, o: { connector: string; wait?: boolean; json?: boolean }): Promise<number> {
  const connectorId = valid.connectorId(o.connector);
  const client = await ctx.temporal();
  if (!(await describeOrUndefined(client, connectorId))) throw noSchedule(connectorId);
  const run = await triggerSync(client, connectorId);
  const temporalUiUrl = workflowUiUrl(ctx.uiUrl, ctx.namespace, run.workflowId, run.workflowRunId);
  const started = { connectorId, workflowId: run.workflowId, workflowRunId: run.workflowRunId, alreadyRunning: run.alreadyRunning, temporalUiUrl };
  if (run.alreadyRunning) {
    note(`a sync of ${connectorId} is already running (${run.workflowId}); skipped: not starting a second one${o.wait ? ', following that one' : ''}`);
  } else if (!o.json || o.wait) {
    note(`started ${run.workflowId} (run ${run.workflowRunId})${temporalUiUrl ? `\n  Temporal UI: ${temporalUiUrl}` : ''}`);
  }
  if (!o.wait) {
    if (o.json) printJson(started);
    else out(`${run.alreadyRunning ? 'already running' : 'started'}: ${run.workflowId} ${run.workflowRunId}`);
    return 0;
  }
  await followProgress(client, run.workflowId, run.workflowRunId);
  const outcome = await awaitRunOutcome(client, { connectorId, ...run }, { namespace: ctx.namespace, uiUrl: ctx.uiUrl }, note);
  if (o.json) printJson({ ...outcome, alreadyRunning: run.alreadyRunning });
  else out(formatOutcome(outcome));
  return outcome.status === 'succeeded' ? 0 : 1;
}
