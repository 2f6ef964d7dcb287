import type { Command } from 'commander';
import path from 'node:path';
import { DURATION_FORM, parseDuration } from '../../shared/duration';
import { reportConnectors, writeReport } from '../report/buildReport';
import { CliError } from './cliErrors';
import type { Runner } from './connectorCommands';
import type { CliContext } from './context';
import { out } from './output';
import * as valid from './validation';

type Action = Parameters<Runner>[0];

export function registerReportCommand(program: Command, run: Runner): void {
  program
    .command('report')
    .description('write the posture report: one self-contained HTML file (privileged access, credentials, applications, sync health)')
    .option('--connector <id>', 'only this connector (default: every connector)')
    .option('--out <file>', 'where to write it', 'report.html')
    .option('--since <duration>', 'the period of changes, audit events and runs, back from now (e.g. 7d, 30d)', '30d')
    .action(run(reportCommand as Action));
}

async function reportCommand(ctx: CliContext, o: { connector?: string; out: string; since: string }): Promise<void> {
  const period = parseDuration(o.since);
  if (period === undefined) throw new CliError(`--since "${o.since}" is not a duration; use ${DURATION_FORM}`);
  const connectorId = o.connector === undefined ? undefined : valid.connectorId(o.connector);
  const db = await ctx.db();
  if ((await reportConnectors(db, connectorId)).length === 0) {
    throw new CliError(connectorId ? `no connector "${connectorId}"; see entra-sync connector list` : 'no connector yet; add one with entra-sync connector add');
  }
  const started = Date.now();
  const written = await writeReport(db, o.out, { connectorId, since: new Date(started - period), ui: { uiUrl: ctx.uiUrl, namespace: ctx.namespace } });
  out(`wrote ${path.resolve(o.out)} (${written.connectors} connector(s), ${(written.bytes / 1024).toFixed(0)} KiB, ${((Date.now() - started) / 1000).toFixed(1)}s)`);
}
