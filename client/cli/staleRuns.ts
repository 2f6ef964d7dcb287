import { sweepRuns, type ExecutionProbe, type JanitorReport } from '../../activities/store/janitor';
import { executionProbe } from '../../workers/executionProbe';
import type { CliContext } from './context';

/**
 * Runs the janitor (activities/store/janitor.ts) for the connectors that have a row still
 * `running`, asking Temporal as the workers do, before an operator is refused or shown the row: a
 * terminated run of a disabled or paused connector would otherwise stay `running` for good, since
 * the janitor of `prepareRun` never runs for it. Temporal out of reach answers `unknown`.
 */
export async function endStaleRuns(ctx: CliContext, connectorId?: string): Promise<JanitorReport & { temporalAsked: boolean }> {
  const db = await ctx.db();
  const { rows } = await db.query<{ connectorId: string }>(
    `select distinct connector_id as "connectorId" from sync_runs where status = 'running' and ($1::text is null or connector_id = $1)`,
    [connectorId ?? null],
  );
  const report = { abandoned: [] as number[], discarded: [] as number[], temporalAsked: false };
  if (rows.length === 0) return report;
  const probe = await temporalProbe(ctx);
  report.temporalAsked = probe !== undefined;
  for (const row of rows) {
    const swept = await sweepRuns(db, row.connectorId, probe, ctx.config.janitor);
    report.abandoned.push(...swept.abandoned);
    report.discarded.push(...swept.discarded);
  }
  return report;
}

async function temporalProbe(ctx: CliContext): Promise<ExecutionProbe | undefined> {
  try {
    const client = await ctx.temporal();
    return executionProbe(client, ctx.namespace);
  } catch {
    ctx.forgetTemporal();
    return undefined;
  }
}
