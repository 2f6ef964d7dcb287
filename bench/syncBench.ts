import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import type { RunSummary } from '../activities';
import { upsertConnector } from '../activities/store/connectors';
import { createDatabase } from '../activities/store/database';
import { startEmbeddedPostgres } from '../client/dev/embeddedPostgres';
import { freePort } from '../shared/freePort';
import { startTemporalDevServer } from '../client/dev/temporalDevServer';
import { currentCompiledWorker } from '../client/dev/compiledWorker';
import { ENV_CONNECTOR_ID } from '../shared/envConnector';
import { migrate } from '../schema/migrate';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { REPORTS_WINDOW_MS, RESOURCE_UNIT_WINDOW_MS } from '../simulator/traffic/throttle';
import { runMain } from '../workers/runMain';
import { EntraSyncWorkflow } from '../workflows';
import { activityTimings } from './activityTimings';
import { runFigures, summaryLine } from './benchSummary';
import { formatBounds } from './formatBounds';
import { historyFigures, type HistoryFigures } from './historyCost';
import { mutateTenant } from './mutateTenant';
import { startBenchWorker } from './benchWorker';
import { wholeNumber } from './optionParsers';
import { currentRssMiB, peakRssMiB, resetPeakRss } from './procMemory';
import { boundsOfRun, type PartBound } from './runBounds';
import { runTimeline, type RunTimeline } from './runTimeline';
import { formatStatements, resetStatementStats, statementDiagnostics, topStatements, type StatementStat } from './statementStats';
import type { BoundLimits } from './lowerBound';

const options = new Command()
  .name('npm run bench --')
  .description('Bootstrap then incremental sync of a simulated tenant through the real worker, Temporal and PostgreSQL.')
  .option('--users <n>', 'users in the tenant (groups, apps, service principals in proportion)', wholeNumber('users'), 10_000)
  .option('--latency-ms <ms>', 'simulated network latency: median of each Graph answer\'s delay (log-normal, p99 = 4 x median)', wholeNumber('latency-ms'), 0)
  .option('--seed <n>', 'tenant seed', wholeNumber('seed'), 7)
  .option('--change-percent <p>', 'share of objects changed before the incremental run', Number, 1)
  .option('--no-throttling', 'turn the simulator resource-unit throttling off')
  .option('--cursor-reset', 'after the incremental run, expire every delta cursor and run a third time with nothing changed (a re-bootstrap)')
  .option('--statements <ms>', 'time every SQL statement (pg_stat_statements, printed per phase) and log the plan of each slower than <ms> (auto_explain, into the scratch folder\'s postgres.log; keep it with BENCH_KEEP=1)', wholeNumber('statements'))
  .option('--request-log <prefix>', 'write each phase\'s Graph request log (arrival time, status, service time) to <prefix>-<phase>.json, with the phase\'s start as epoch ms')
  .option('--json', 'print the results as one line of JSON, then the summary line (users, each run\'s ms, bound and ratio, worker RSS)')
  .parse()
  .opts<{ users: number; latencyMs: number; seed: number; changePercent: number; throttling: boolean; cursorReset?: boolean; json?: boolean; statements?: number; requestLog?: string }>();

type Phase = {
  phase: string;
  wallSeconds: number;
  objects: Record<string, { mode: string; upserted: number; removed: number; pages: number }>;
  rowsWritten: number;
  graphRequests: Record<string, number>;
  resourceUnits: number;
  throttled: number;
  workerPeakRssMiB: number;
  /** Peak RSS of this process, which hosts the simulator (its tenant, request log, HTTP server). */
  simulatorPeakRssMiB: number;
  activitySeconds: Record<string, number>;
  /** Where the wall time went, from the workflow history: workflow tasks, queue waits, activities. */
  timeline: RunTimeline;
  /** Owners and appRoleAssignedTo through $batch: the part of a run with no delta. */
  reconciliation: { seconds: number; batches: number; subRequests: number; resourceUnits: number; throttled: number };
  /** What Graph allows the whole run and each part of it that sent requests (bench/lowerBound.ts). */
  bound: { run: PartBound; parts: PartBound[] };
  /** Relationship history the run recorded, and its step's time on its own (bench/historyCost.ts). */
  history: HistoryFigures;
  /** With --statements: the slowest SQL statements of the phase, by total time. */
  statements?: StatementStat[];
};

/** Room for every request of a 1,000,000-user run: the chains are read from the log. */
const REQUEST_LOG_CAPACITY = 200_000;

const RECONCILE_ENDPOINT = /\/(owners|appRoleAssignedTo)$/;

runMain(async () => {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'entra-sync-bench-'));
  await chmod(scratch, 0o755);
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const say = (line: string) => process.stderr.write(`${line}\n`);
    const planLog = path.join(scratch, 'postgres.log');
    if (options.statements !== undefined) say(`plans of statements slower than ${options.statements} ms: ${planLog} (kept with BENCH_KEEP=1)`);
    const generationStarted = performance.now();
    const sim = await startSimulator({
      tlsDir: path.join(scratch, 'tls'),
      seed: options.seed,
      users: options.users,
      throttling: options.throttling,
      requestLogCapacity: REQUEST_LOG_CAPACITY,
      ...(options.latencyMs > 0 ? { latency: { distribution: { kind: 'logNormal', medianMs: options.latencyMs, p99Ms: options.latencyMs * 4 } } } : {}),
    });
    stops.push(() => sim.close());
    const throttleLimits = sim.throttle.limits();
    const limits: BoundLimits = {
      resourceUnits: { limit: throttleLimits.tenantApplication, windowMs: RESOURCE_UNIT_WINDOW_MS },
      reports: { limit: throttleLimits.reports, windowMs: REPORTS_WINDOW_MS },
    };
    // The simulator runs in this process (the worker, PostgreSQL and Temporal are children), so
    // this process's RSS is the simulator's plus the harness's small share.
    const simulatorGeneratedRssMiB = await currentRssMiB(process.pid);
    const simulatorGenerationPeakRssMiB = await peakRssMiB(process.pid);
    say(
      `simulator: ${options.users} users generated in ${((performance.now() - generationStarted) / 1000).toFixed(1)}s, RSS ${simulatorGeneratedRssMiB} MiB (peak while generating ${simulatorGenerationPeakRssMiB} MiB)`,
    );

    const [postgres, temporal] = await Promise.all([
      startEmbeddedPostgres(scratch, 'bench', options.statements === undefined ? undefined : statementDiagnostics(options.statements, planLog)),
      freePort().then((port) => startTemporalDevServer({ dataDir: path.resolve('.entra-sync'), namespace: 'default', port, headless: true })),
    ]);
    stops.push(() => postgres.stop(), () => temporal.stop());
    await migrate(postgres.url);
    const db = createDatabase(postgres.url);
    stops.push(() => db.end());
    await upsertConnector(db, { id: ENV_CONNECTOR_ID, ...sim.config, discoveryEnabled: false });

    // What production runs (npm run worker, npm start: both build first, as npm run bench does). A
    // worker run from source also carries tsx and webpack (it bundles the workflows itself): about
    // 150 MiB more RSS, so its memory figures are no measure of a deployment.
    const workerBuild = (await currentCompiledWorker('syncWorker.ts')) ? 'compiled' : 'source';
    say(`worker: ${workerBuild === 'compiled' ? 'compiled (dist/workers)' : 'run from source: the build is missing or stale, memory figures are not those of a deployment'}`);
    const { worker, client } = await startBenchWorker({ sim, databaseUrl: postgres.url, temporalAddress: temporal.address, scratch }, stops);
    // Polling: the workflow bundle is loaded and nothing is synced yet.
    const workerIdleRssMiB = await currentRssMiB(worker.pid);
    say(`worker idle RSS ${workerIdleRssMiB} MiB`);

    const phases: Phase[] = [];
    const measure = async (phase: string): Promise<Phase> => {
      // A scheduled run starts SYNC_ENTRA_INTERVAL after the one before, when PostgreSQL has long
      // written what that one (and here the bench's own history re-diff) dirtied. Without this, a
      // 1,000,000-user incremental's statements waited on the bootstrap's write-back.
      const checkpointStarted = performance.now();
      await db.query('checkpoint');
      say(`${phase}: checkpoint before the run ${Math.round(performance.now() - checkpointStarted)} ms`);
      sim.counters.reset();
      sim.requestLog.clear();
      if (options.statements !== undefined) await resetStatementStats(db);
      await resetPeakRss(worker.pid);
      await resetPeakRss(process.pid);
      const started = performance.now();
      const workflowId = `bench-${phase}-${Date.now()}`;
      const summary: RunSummary = await client.workflow.execute(EntraSyncWorkflow, {
        taskQueue: 'bench',
        workflowId,
        args: [{ connectorId: ENV_CONNECTOR_ID }],
      });
      const wallMs = performance.now() - started;
      const wallSeconds = Math.round(wallMs / 100) / 10;
      const traffic = sim.counters.snapshot();
      const log = sim.requestLog.entries();
      // Each request's arrival and service time: where a chain waited on this client (docs/BENCHMARKS.md).
      if (options.requestLog) await writeFile(`${options.requestLog}-${phase}.json`, JSON.stringify({ startedAt: performance.timeOrigin + started, requests: log }));
      if (log.length >= REQUEST_LOG_CAPACITY) say(`${phase}: the request log overflowed; chains are undercounted`);
      const result: Omit<Phase, 'bound' | 'history'> = {
        phase,
        wallSeconds,
        objects: Object.fromEntries(
          Object.entries(summary.streams).map(([name, s]) => [name, { mode: s.mode, upserted: s.upserted, removed: s.removed, pages: s.pages }]),
        ),
        rowsWritten: Object.values(summary.streams).reduce((n, s) => n + s.upserted + s.removed, 0),
        graphRequests: Object.fromEntries(Object.entries(traffic.endpoints).map(([endpoint, c]) => [endpoint, c.requests])),
        resourceUnits: traffic.totals.resourceUnits,
        throttled: traffic.totals.throttled,
        workerPeakRssMiB: await peakRssMiB(worker.pid),
        simulatorPeakRssMiB: await peakRssMiB(process.pid),
        activitySeconds: await activityTimings(client, workflowId),
        timeline: await runTimeline(client, workflowId),
        reconciliation: { seconds: 0, batches: traffic.endpoints['POST /v1.0/$batch']?.requests ?? 0, subRequests: 0, resourceUnits: 0, throttled: 0 },
      };
      for (const [endpoint, c] of Object.entries(traffic.endpoints)) {
        if (!RECONCILE_ENDPOINT.test(endpoint)) continue;
        result.reconciliation.subRequests += c.subRequests;
        result.reconciliation.resourceUnits += c.resourceUnits;
        result.reconciliation.throttled += c.throttled;
      }
      result.reconciliation.seconds = Object.entries(result.activitySeconds)
        .filter(([name]) => name.startsWith('planReconciliation') || name.startsWith('reconcileShard'))
        .reduce((longest, [name, seconds]) => (name.startsWith('plan') ? longest + seconds : Math.max(longest, seconds)), 0);
      const partMs = Object.fromEntries([
        ...Object.entries(result.activitySeconds).map(([name, seconds]) => [name, seconds * 1000] as const),
        ['reconciliation', result.reconciliation.seconds * 1000] as const,
      ]);
      const bound = boundsOfRun({ counters: traffic, log, ms: wallMs, partMs }, limits);
      // Before historyFigures, whose own whole diff would count among the run's statements.
      const statements = options.statements === undefined ? undefined : await topStatements(db);
      for (const line of formatStatements(phase, statements ?? [])) say(line);
      const history = await historyFigures(db, ENV_CONNECTOR_ID, summary.syncRunId);
      say(
        `${phase}: history opened ${history.opened}, closed ${history.closed}, ${history.openIntervals} open; diff ${history.diff ?? '?'}` +
          `${history.touchedObjects === null ? '' : ` (${history.touchedObjects} objects touched)`}; a whole diff alone ${history.rediffMs} ms`,
      );
      say(
        `${phase}: ${wallSeconds}s, bound ${(bound.run.boundMs / 1000).toFixed(2)}s (ratio ${bound.run.ratio?.toFixed(2) ?? '-'}), ${result.rowsWritten} rows written, ${traffic.totals.requests} requests, ${result.throttled} throttled, worker peak RSS ${result.workerPeakRssMiB} MiB, simulator peak RSS ${result.simulatorPeakRssMiB} MiB`,
      );
      return { ...result, bound, history, ...(statements ? { statements } : {}) };
    };

    phases.push(await measure('bootstrap'));
    const changed = mutateTenant(sim as RunningSimulator, options.changePercent / 100, options.seed);
    say(`changed ${changed} objects`);
    phases.push(await measure('incremental'));
    if (options.cursorReset) {
      sim.deltaTokens.expireAll();
      phases.push(await measure('rebootstrap'));
    }

    const { rows: size } = await db.query<{ mib: number }>(`select round(pg_database_size(current_database()) / 1048576.0)::int as mib`);
    const databaseMiB = size[0]!.mib;
    say(`PostgreSQL database size after the runs: ${databaseMiB} MiB`);
    const report = { users: options.users, latencyMs: options.latencyMs, seed: options.seed, throttling: options.throttling, changedObjects: changed, workerBuild, workerIdleRssMiB, simulatorGeneratedRssMiB, simulatorGenerationPeakRssMiB, databaseMiB, limits, phases };
    const [bootstrap, incremental] = phases as [Phase, Phase];
    const summary = summaryLine({
      users: options.users,
      bootstrap: runFigures(bootstrap.bound.run, bootstrap.timeline),
      incremental: runFigures(incremental.bound.run, incremental.timeline),
      workerPeakRssMiB: Math.max(bootstrap.workerPeakRssMiB, incremental.workerPeakRssMiB),
      workerIdleRssMiB,
    });
    process.stdout.write(options.json ? `${JSON.stringify(report)}\n${summary}\n` : `${formatReport(report.phases)}\n`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    if (!process.env.BENCH_KEEP) await rm(scratch, { recursive: true, force: true });
  }
});

function formatReport(phases: Phase[]): string {
  const lines: string[] = [];
  for (const p of phases) {
    lines.push(`## ${p.phase}: ${p.wallSeconds}s wall, ${p.rowsWritten} rows written, ${p.resourceUnits} RU, ${p.throttled} throttled (429), worker peak RSS ${p.workerPeakRssMiB} MiB, simulator peak RSS ${p.simulatorPeakRssMiB} MiB`);
    for (const [stream, o] of Object.entries(p.objects)) lines.push(`  ${stream.padEnd(18)} ${o.mode.padEnd(12)} upserted ${o.upserted}, removed ${o.removed}, pages ${o.pages}`);
    const r = p.reconciliation;
    lines.push(`  reconciliation: ~${r.seconds.toFixed(1)}s, ${r.batches} $batch requests carrying ${r.subRequests} sub-requests, ${r.resourceUnits} RU, ${r.throttled} throttled`);
    for (const [endpoint, n] of Object.entries(p.graphRequests)) lines.push(`  ${String(n).padStart(7)}  ${endpoint}`);
    for (const [activity, seconds] of Object.entries(p.activitySeconds)) lines.push(`  ${seconds.toFixed(1).padStart(7)}s ${activity}`);
    lines.push(...formatBounds(p.bound));
  }
  return lines.join('\n');
}
