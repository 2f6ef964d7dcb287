import type { Command } from 'commander';
import { workflowUiUrl } from '../runOutcome';
import { CliError } from './cliErrors';
import type { Runner } from './connectorCommands';
import type { CliContext } from './context';
import { formatSeconds, formatTime, out, printJson, table } from './output';
import { auditLagNote } from '../../shared/auditLag';
import { findRun, listRuns, runStreams, runUnreadTargets, type RunRow } from './runRecords';
import { endStaleRuns } from './staleRuns';
import { RUN_STATUSES, type RunStatus } from '../../activities/store/runs';
import * as valid from './validation';

type Action = Parameters<Runner>[0];

export function registerRunsCommands(program: Command, run: Runner): void {
  const runs = program.command('runs').description('sync runs as recorded in PostgreSQL');

  runs
    .command('list')
    .description('recent runs: status, counts, duration, error')
    .option('--connector <id>', 'only this connector')
    .option('--status <status>', `only runs with this status: ${RUN_STATUSES.join(', ')}`)
    .option('--kind <kind>', 'only full runs (full) or tail passes (tail)')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(run(listCommand as Action));

  runs
    .command('show')
    .description('one run: per-stream counts, error, and its Temporal Web UI link')
    .argument('<run>', 'run number (from runs list), or a workflow id or run id')
    .option('--json', 'print JSON')
    .action(run(showCommand as Action));
}

async function listCommand(ctx: CliContext, o: { connector?: string; status?: string; kind?: string; limit: string; json?: boolean }): Promise<void> {
  const limit = Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit "${o.limit}" must be a whole number of at least 1`);
  if (o.status && !RUN_STATUSES.includes(o.status as RunStatus)) throw new CliError(`--status "${o.status}" must be one of ${RUN_STATUSES.join(', ')}`);
  if (o.kind && o.kind !== 'full' && o.kind !== 'tail') throw new CliError(`--kind "${o.kind}" must be full or tail`);
  const connectorId = o.connector && valid.connectorId(o.connector);
  // A row still `running` after its execution closed shows its true state once the janitor ended it.
  await endStaleRuns(ctx, connectorId || undefined);
  const rows = await listRuns(await ctx.db(), { connectorId, status: o.status, kind: o.kind, limit });
  if (o.json) return printJson(rows.map((r) => withLink(ctx, r)));
  if (rows.length === 0) return out('no runs yet; start one with: entra-sync sync --connector <id>');
  out(
    table([
      ['RUN', 'CONNECTOR', 'KIND', 'STATUS', 'STARTED', 'DURATION', 'UPSERTED', 'REMOVED', 'ERROR'],
      ...rows.map((r) => [String(r.id), r.connectorId, r.kind, r.status, formatTime(r.startedAt), formatSeconds(r.durationMs), String(r.upserted), String(r.removed), r.errorKind ?? '']),
    ]),
  );
}

async function showCommand(ctx: CliContext, ref: string, o: { json?: boolean }): Promise<void> {
  const db = await ctx.db();
  const found = await findRun(db, ref);
  if (!found) throw new CliError(`no run ${ref}; see entra-sync runs list`);
  const r = found.status === 'running' && (await endStaleRuns(ctx, found.connectorId)).abandoned.includes(found.id) ? (await findRun(db, ref))! : found;
  const streams = await runStreams(db, r.id);
  const unreadTargets = await runUnreadTargets(db, r.id);
  const view = { ...withLink(ctx, r), streams, unreadTargets };
  if (o.json) return printJson(view);
  out(
    table([
      ['run', `${r.id} (${r.kind}, ${r.status})`],
      ['connector', r.connectorId],
      ['started', formatTime(r.startedAt)],
      ['finished', formatTime(r.finishedAt)],
      ['duration', formatSeconds(r.durationMs)],
      ['workflow', `${r.workflowId} / ${r.workflowRunId}`],
      ...(r.builtTables ? [['built while pulling', r.builtTables.join(', ')]] : []),
      ...(r.errorKind ? [['error', `${r.errorKind}: ${r.errorMessage ?? ''}`]] : []),
      ...(view.temporalUiUrl ? [['Temporal UI', view.temporalUiUrl]] : []),
    ]),
  );
  if (streams.length) {
    out('');
    out(
      table([
        ['STREAM', 'MODE', 'PAGES', 'REQUESTS', 'SUB-REQUESTS', 'THROTTLED', 'STAGED', 'UPSERTED', 'REMOVED', 'NOTE'],
        ...streams.map((s) => [
          s.stream,
          s.mode,
          String(s.pages),
          String(s.requests),
          String(s.subRequests),
          String(s.throttled),
          String(s.staged),
          s.upserted === null ? '-' : String(s.upserted),
          s.removed === null ? '-' : String(s.removed),
          [s.derivedFrom ? `from ${s.derivedFrom}` : '', s.resyncReason ? `re-bootstrapped (${s.resyncReason})` : '', s.coverageReason ?? '', auditLagNote(s.auditLag)].filter(Boolean).join('; '),
        ]),
      ]),
    );
  }
  if (unreadTargets.length) {
    out('');
    out(`${unreadTargets.length} target(s) kept as last read: reading their owners and app role assignments failed (docs/inventory.md)`);
    out(
      table([
        ['TARGET', 'KIND', 'FAILURES', 'THIS RUN', 'RETRY AT', 'ERROR'],
        ...unreadTargets.map((t) => [`${t.objectType}/${t.objectId}`, t.kind, String(t.failures), t.attempted ? 'failed' : 'waiting', formatTime(t.retryAt), t.message]),
      ]),
    );
  }
}

function withLink(ctx: CliContext, r: RunRow) {
  return { ...r, temporalUiUrl: workflowUiUrl(ctx.uiUrl, ctx.namespace, r.workflowId, r.workflowRunId) };
}
