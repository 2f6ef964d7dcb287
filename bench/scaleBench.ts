import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type ScheduleHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { Command, InvalidArgumentError } from 'commander';
import pg from 'pg';
import { saveConnectorSecret } from '../activities/secrets/connectorSecrets';
import { loadKeyRing } from '../activities/secrets/secretCipher';
import { upsertConnector } from '../activities/store/connectors';
import { startEmbeddedPostgres } from '../client/dev/embeddedPostgres';
import { currentCompiledWorker } from '../client/dev/compiledWorker';
import { startTemporalDevServer } from '../client/dev/temporalDevServer';
import { spawnWorkerProcess, type WorkerProcess } from '../client/dev/workerProcess';
import { applySyncSchedule } from '../client/schedules';
import { migrate } from '../schema/migrate';
import { formatDuration, parseDuration } from '../shared/duration';
import { freePort } from '../shared/freePort';
import { startSimulator } from '../simulator/server';
import { runMain } from '../workers/runMain';
import { mutateTenant } from './mutateTenant';
import { measureDatabaseSpace, type DatabaseSpace } from './databaseSpace';
import { cpuSeconds } from './processCpu';
import { peakRssMiB, resetPeakRss } from './procMemory';
import { cpuPercentOfCores, distribution, overlappingRuns, scheduleOutcome, type RunInterval, type ScheduleOutcome } from './scaleFigures';

// Many tenants on one deployment: N connectors, each its own simulated tenant (own app
// registration, data and throttling budgets), scheduled by the product's own Temporal Schedules
// and synced by W compiled worker processes. Everything reported is read back from Temporal and
// PostgreSQL afterwards (docs/scaling.md, docs/BENCHMARKS.md).

const whole = (name: string, min = 0) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}`);
  return n;
};
const duration = (value: string) => {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('give a duration such as 1m, 90s or 5m');
  return ms;
};

const options = new Command()
  .name('npm run bench:scale --')
  .description('Many connectors on their Temporal Schedules, against one multi-tenant simulator, for a while; reports missed and overlapping runs, schedule-to-start latency, worker CPU and memory, PostgreSQL connections.')
  .option('--connectors <n>', 'connectors, each with its own simulated tenant', whole('connectors', 1), 5)
  .option('--interval <duration>', 'every connector\'s sync interval (the schedule\'s)', duration, 60_000)
  .option('--minutes <n>', 'how long the schedules run before they are paused', whole('minutes', 1), 3)
  .option('--workers <n>', 'sync worker processes polling the task queue', whole('workers', 1), 2)
  .option('--users-min <n>', 'users of the smallest tenant', whole('users-min', 1), 200)
  .option('--users-max <n>', 'users of the largest tenant (sizes spread evenly between)', whole('users-max', 1), 1_000)
  .option('--seed <n>', 'seed of the first tenant; tenant i has seed + i', whole('seed'), 100)
  .option('--change-percent <p>', 'share of each tenant changed once per interval, half-way between runs', Number, 1)
  .option('--drain-minutes <n>', 'after pausing the schedules, how long runs in flight may take to finish', whole('drain-minutes', 1), 5)
  .option('--json', 'print the report as one line of JSON')
  .parse()
  .opts<{
    connectors: number;
    interval: number;
    minutes: number;
    workers: number;
    usersMin: number;
    usersMax: number;
    seed: number;
    changePercent: number;
    drainMinutes: number;
    json?: boolean;
  }>();
if (options.usersMax < options.usersMin) throw new InvalidArgumentError('--users-max must be at least --users-min');

const TASK_QUEUE = 'scale-bench';
const SAMPLE_EVERY_MS = 5_000;
const say = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const connectorIdOf = (index: number) => `tenant-${String(index + 1).padStart(3, '0')}`;
const usersOf = (index: number) =>
  options.connectors === 1 ? options.usersMin : Math.round(options.usersMin + ((options.usersMax - options.usersMin) * index) / (options.connectors - 1));

runMain(async () => {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'entra-sync-scale-'));
  await chmod(scratch, 0o755);
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const generationStarted = performance.now();
    const sim = await startSimulator({
      tlsDir: path.join(scratch, 'tls'),
      seed: options.seed,
      users: usersOf(0),
      additionalTenants: Array.from({ length: options.connectors - 1 }, (_, i) => ({ seed: options.seed + i + 1, users: usersOf(i + 1) })),
    });
    stops.push(() => sim.close());
    const totalUsers = sim.tenants.reduce((n, t) => n + t.tenant.users.size, 0);
    say(`simulator: ${sim.tenants.length} tenants, ${totalUsers} users, generated in ${((performance.now() - generationStarted) / 1000).toFixed(1)}s`);

    const [postgres, temporal] = await Promise.all([
      startEmbeddedPostgres(scratch, 'scale'),
      freePort().then((port) => startTemporalDevServer({ dataDir: path.resolve('.entra-sync'), namespace: 'default', port, headless: true })),
    ]);
    stops.push(() => postgres.stop(), () => temporal.stop());
    await migrate(postgres.url);
    // Its own application name, so the workers' connections can be counted apart from it.
    const db = new pg.Pool({ connectionString: postgres.url, max: 2, application_name: 'entra-sync-scale-bench' });
    stops.push(() => db.end());

    // Secrets sealed in PostgreSQL, as `entra-sync connector add` stores them.
    const encryptionKey = randomBytes(32).toString('base64');
    const keys = loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: encryptionKey })!;
    const connectors = sim.tenants.map((tenant, index) => ({ id: connectorIdOf(index), tenant }));
    for (const { id, tenant } of connectors) {
      const c = tenant.config;
      await upsertConnector(db, { id, tenantId: c.tenantId, clientId: c.clientId, graphBaseUrl: c.graphBaseUrl, authorityHost: c.authorityHost, discoveryEnabled: false });
      await saveConnectorSecret(db, keys, id, c.clientSecret);
    }

    const workerBuild = (await currentCompiledWorker('syncWorker.ts')) ? 'compiled' : 'source';
    say(`workers: ${options.workers} x ${workerBuild === 'compiled' ? 'compiled (dist/workers)' : 'run from source (the build is missing or stale: run npm run build:workers)'}`);
    const workerEnv: NodeJS.ProcessEnv = {
      ...withoutEntraSettings(process.env),
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      ENTRA_SYNC_ENCRYPTION_KEY: encryptionKey,
      NODE_EXTRA_CA_CERTS: sim.config.caCertPath,
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    };
    const workers: WorkerProcess[] = [];
    for (let i = 0; i < options.workers; i++) {
      const worker = await spawnWorkerProcess('syncWorker.ts', workerEnv, path.join(scratch, 'logs', `worker-${i + 1}`));
      stops.push(() => worker.stop());
      workers.push(worker);
    }
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const client = new Client({ connection });
    await Promise.all(workers.map((worker) => waitForWorker(client, worker)));
    say(`workers polling ${TASK_QUEUE}: pids ${workers.map((w) => w.pid).join(', ')}`);

    // The measured window: from the schedules' creation to their pause.
    const cpuAtStart = await Promise.all(workers.map((w) => cpuSeconds(w.pid)));
    await Promise.all(workers.map((w) => resetPeakRss(w.pid)));
    const loadAtStart = os.loadavg();
    const windowStart = new Date();
    const schedules: ScheduleHandle[] = [];
    for (const { id, tenant } of connectors) {
      schedules.push(await applySyncSchedule(client, { connectorId: id, tenantId: tenant.config.tenantId, taskQueue: TASK_QUEUE, intervalMs: options.interval }));
    }
    say(`schedules: ${schedules.length}, every ${formatDuration(options.interval)}, for ${options.minutes} min`);

    const windowEndsAt = windowStart.getTime() + options.minutes * 60_000;
    let peakConnections = { workers: 0, total: 0 };
    let changedObjects = 0;
    let nextChangeAt = Math.floor(Date.now() / options.interval) * options.interval + options.interval / 2;
    if (nextChangeAt <= Date.now()) nextChangeAt += options.interval;
    let nextProgressAt = Date.now() + 60_000;
    while (Date.now() < windowEndsAt) {
      const connections = await postgresConnections(db);
      peakConnections = { workers: Math.max(peakConnections.workers, connections.workers), total: Math.max(peakConnections.total, connections.total) };
      if (Date.now() >= nextChangeAt) {
        // Half-way between two scheduled runs, so that each incremental run has changes to read.
        for (const { tenant } of connectors) changedObjects += mutateTenant(tenant, options.changePercent / 100, options.seed + changedObjects);
        nextChangeAt += options.interval;
      }
      if (Date.now() >= nextProgressAt) {
        say(`progress: ${await runCounts(db)}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
        nextProgressAt += 60_000;
      }
      await sleep(Math.min(SAMPLE_EVERY_MS, Math.max(0, windowEndsAt - Date.now())));
    }

    await Promise.all(schedules.map((s) => s.pause('scale benchmark: window over')));
    const windowEnd = new Date();
    const cpuAtEnd = await Promise.all(workers.map((w) => cpuSeconds(w.pid)));
    const loadAtEnd = os.loadavg();
    say(`window over, schedules paused; ${await runCounts(db)}; waiting for runs in flight`);

    const drainDeadline = Date.now() + options.drainMinutes * 60_000;
    for (;;) {
      const running = (await Promise.all(schedules.map((s) => s.describe()))).reduce((n, d) => n + d.info.runningActions.length, 0);
      const connections = await postgresConnections(db);
      peakConnections = { workers: Math.max(peakConnections.workers, connections.workers), total: Math.max(peakConnections.total, connections.total) };
      if (running === 0) break;
      if (Date.now() > drainDeadline) {
        say(`${running} run(s) still in flight after ${options.drainMinutes} min; reported as they stand`);
        break;
      }
      await sleep(2_000);
    }
    const drainedAt = new Date();

    const windowSeconds = (windowEnd.getTime() - windowStart.getTime()) / 1000;
    const workerFigures = await Promise.all(
      workers.map(async (w, i) => {
        const seconds = (cpuAtEnd[i] as number) - (cpuAtStart[i] as number);
        return { pid: w.pid, cpuSeconds: Math.round(seconds * 10) / 10, cpuPercentOfCores: cpuPercentOfCores(seconds, windowSeconds, os.cpus().length), peakRssMiB: await peakRssMiB(w.pid) };
      }),
    );

    const perConnector = [];
    const scheduleToStart: number[] = [];
    const scheduleToFirstWorkflowTask: number[] = [];
    const scheduleToFirstActivity: number[] = [];
    const { rows: runRows } = await db.query<{ id: string; connectorId: string; status: string; errorKind: string | null; startedAt: Date; finishedAt: Date | null }>(
      `select id::text, connector_id as "connectorId", status, error_kind as "errorKind", started_at as "startedAt", finished_at as "finishedAt"
         from sync_runs order by started_at`,
    );
    for (const [index, schedule] of schedules.entries()) {
      const connectorId = connectorIdOf(index);
      const description = await schedule.describe();
      // Due from the schedule's own creation: 50 creations may straddle an interval boundary.
      const outcome: ScheduleOutcome = scheduleOutcome(description.info, description.info.createdAt, windowEnd, options.interval, description.spec.intervals?.[0]?.offset ?? 0);
      const executions = await scheduledExecutions(client, schedule.scheduleId);
      for (const execution of executions) {
        if (execution.startToWorkflowMs !== undefined) scheduleToStart.push(execution.startToWorkflowMs);
        if (execution.toFirstWorkflowTaskMs !== undefined) scheduleToFirstWorkflowTask.push(execution.toFirstWorkflowTaskMs);
        if (execution.toFirstActivityMs !== undefined) scheduleToFirstActivity.push(execution.toFirstActivityMs);
      }
      const runs = runRows.filter((r) => r.connectorId === connectorId);
      perConnector.push({
        connectorId,
        users: connectors[index]!.tenant.tenant.users.size,
        schedule: outcome,
        started: executions.length,
        temporal: countBy(executions.map((e) => e.status)),
        runs: runs.length,
        succeeded: runs.filter((r) => r.status === 'succeeded').length,
        failed: runs.filter((r) => r.status === 'failed').length,
        failureKinds: countBy(runs.filter((r) => r.status === 'failed').map((r) => r.errorKind ?? 'unknown')),
      });
    }
    const intervals: RunInterval[] = runRows.map((r) => ({ id: r.id, connectorId: r.connectorId, startedAt: r.startedAt, finishedAt: r.finishedAt }));
    const overlapping = overlappingRuns(intervals, drainedAt);
    const durations = runRows.filter((r) => r.finishedAt && r.status === 'succeeded').map((r) => r.finishedAt!.getTime() - r.startedAt.getTime());
    const traffic = sim.tenants.map((t) => t.counters.snapshot().totals);
    const sum = <K extends string>(items: ScheduleOutcome[], key: K & keyof ScheduleOutcome) => items.reduce((n, o) => n + o[key], 0);
    const outcomes = perConnector.map((c) => c.schedule);
    // Last, after every figure above was read: the largest tenant is removed, the next largest reset.
    const space = await measureDatabaseSpace(db, connectorIdOf(options.connectors - 1), options.connectors > 1 ? connectorIdOf(options.connectors - 2) : undefined);

    const report = {
      connectors: options.connectors,
      workers: options.workers,
      workerBuild,
      intervalSeconds: options.interval / 1000,
      minutes: options.minutes,
      windowSeconds: Math.round(windowSeconds),
      tenants: { usersMin: options.usersMin, usersMax: options.usersMax, usersTotal: totalUsers, changedObjects },
      runs: {
        due: sum(outcomes, 'due'),
        taken: sum(outcomes, 'taken'),
        started: perConnector.reduce((n, c) => n + c.started, 0),
        succeeded: perConnector.reduce((n, c) => n + c.succeeded, 0),
        failed: perConnector.reduce((n, c) => n + c.failed, 0),
        missed: sum(outcomes, 'missed'),
        skippedOverlap: sum(outcomes, 'skippedOverlap'),
        missedCatchupWindow: sum(outcomes, 'missedCatchupWindow'),
        unaccounted: sum(outcomes, 'unaccounted'),
        overlapping: overlapping.length,
      },
      latencyMs: {
        scheduleToWorkflowStart: distribution(scheduleToStart),
        scheduleToFirstWorkflowTask: distribution(scheduleToFirstWorkflowTask),
        scheduleToFirstActivity: distribution(scheduleToFirstActivity),
      },
      runDurationMs: distribution(durations),
      workerProcesses: workerFigures,
      workerCpuPercentOfCores: Math.round(workerFigures.reduce((n, w) => n + w.cpuPercentOfCores, 0) * 10) / 10,
      postgresConnectionsPeak: peakConnections,
      graph: { requests: traffic.reduce((n, t) => n + t.requests, 0), throttled: traffic.reduce((n, t) => n + t.throttled, 0) },
      loadAverage: { start: loadAtStart.map(round2), end: loadAtEnd.map(round2) },
      cores: os.cpus().length,
      space,
      perConnector,
    };
    process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    if (!process.env.BENCH_KEEP) await rm(scratch, { recursive: true, force: true });
  }
});

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The worker must not take the launcher's single connector from this shell's environment. */
function withoutEntraSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('ENTRA_') && !name.startsWith('AZURE_') && !name.startsWith('TEMPORAL_')));
}

/** Waits until this very process polls the task queue (its identity is pid@host). */
async function waitForWorker(client: Client, worker: WorkerProcess, timeoutMs = 120_000): Promise<void> {
  let exitCode: number | null | undefined;
  void worker.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`worker ${worker.pid} exited with code ${exitCode}; see ${worker.logFile}`);
    const { pollers } = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: TASK_QUEUE }, taskQueueType: 1 });
    if ((pollers ?? []).some((p) => p.identity?.startsWith(`${worker.pid}@`))) return;
    await sleep(500);
  }
  throw new Error(`worker ${worker.pid} did not poll ${TASK_QUEUE} within ${timeoutMs / 1000}s; see ${worker.logFile}`);
}

async function postgresConnections(db: pg.Pool): Promise<{ workers: number; total: number }> {
  const { rows } = await db.query<{ workers: number; total: number }>(
    `select count(*) filter (where application_name = 'entra-sync')::int as workers, count(*)::int as total
       from pg_stat_activity where backend_type = 'client backend'`,
  );
  return rows[0]!;
}

async function runCounts(db: pg.Pool): Promise<string> {
  const { rows } = await db.query<{ status: string; n: number }>(`select status, count(*)::int as n from sync_runs group by status order by status`);
  return rows.map((r) => `${r.n} ${r.status}`).join(', ') || 'no runs yet';
}

type ScheduledExecution = { status: string; startToWorkflowMs?: number; toFirstWorkflowTaskMs?: number; toFirstActivityMs?: number };

/**
 * Every run a schedule started, with its lag behind the time the schedule meant it for: to the
 * workflow's start, to a worker picking up its first workflow task, to its first activity starting
 * (the server's clock throughout, from visibility and the run's history).
 */
async function scheduledExecutions(client: Client, scheduleId: string): Promise<ScheduledExecution[]> {
  const executions: ScheduledExecution[] = [];
  for await (const execution of client.workflow.list({ query: `TemporalScheduledById = '${scheduleId}'` })) {
    const scheduledFor = execution.searchAttributes.TemporalScheduledStartTime?.[0];
    const scheduledMs = scheduledFor === undefined ? undefined : new Date(scheduledFor as string | Date).getTime();
    const events = (await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory()).events ?? [];
    const firstAt = (is: (event: (typeof events)[number]) => unknown) => {
      const event = events.find((e) => Boolean(is(e)));
      return event ? tsToMs(event.eventTime) : undefined;
    };
    const since = (ms: number | undefined) => (ms === undefined || scheduledMs === undefined ? undefined : ms - scheduledMs);
    executions.push({
      status: execution.status.name,
      startToWorkflowMs: since(execution.startTime.getTime()),
      toFirstWorkflowTaskMs: since(firstAt((e) => e.workflowTaskStartedEventAttributes)),
      toFirstActivityMs: since(firstAt((e) => e.activityTaskStartedEventAttributes)),
    });
  }
  return executions;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function formatReport(r: {
  connectors: number;
  workers: number;
  windowSeconds: number;
  runs: Record<string, number>;
  latencyMs: Record<string, ReturnType<typeof distribution>>;
  runDurationMs: ReturnType<typeof distribution>;
  workerProcesses: Array<{ pid: number; cpuSeconds: number; cpuPercentOfCores: number; peakRssMiB: number }>;
  workerCpuPercentOfCores: number;
  postgresConnectionsPeak: { workers: number; total: number };
  graph: { requests: number; throttled: number };
  loadAverage: { start: number[]; end: number[] };
  space: DatabaseSpace;
  perConnector: Array<{ connectorId: string; users: number; schedule: ScheduleOutcome; started: number; succeeded: number; failed: number; failureKinds: Record<string, number> }>;
}): string {
  const d = (x: ReturnType<typeof distribution>) => `p50 ${x.p50 ?? '-'} ms, p95 ${x.p95 ?? '-'} ms, max ${x.max ?? '-'} ms (${x.count})`;
  const lines = [
    `## ${r.connectors} connectors on ${r.workers} workers, ${r.windowSeconds}s window`,
    `runs: ${Object.entries(r.runs).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    ...Object.entries(r.latencyMs).map(([k, v]) => `${k}: ${d(v)}`),
    `run duration (succeeded): ${d(r.runDurationMs)}`,
    ...r.workerProcesses.map((w) => `worker ${w.pid}: ${w.cpuSeconds} CPU s (${w.cpuPercentOfCores}% of the cores), peak RSS ${w.peakRssMiB} MiB`),
    `workers together: ${r.workerCpuPercentOfCores}% of the cores`,
    `PostgreSQL connections, peak: ${r.postgresConnectionsPeak.workers} from workers, ${r.postgresConnectionsPeak.total} in all`,
    `Graph: ${r.graph.requests} requests, ${r.graph.throttled} throttled (429)`,
    `load average: ${r.loadAverage.start.join(' ')} at the start, ${r.loadAverage.end.join(' ')} at the end`,
    `PostgreSQL: ${r.space.databaseMiB} MiB after the runs; most autovacuumed tables:`,
    ...r.space.vacuum.map((t) => `  ${t.table}: ${t.mib} MiB, ${t.liveRows} live rows, ${t.deadRows} dead, ${t.autovacuums} autovacuums, ${t.autoanalyzes} autoanalyzes`),
    ...[['removed', r.space.removed] as const, ['reset', r.space.reset] as const].flatMap(([what, f]) =>
      f ? [`${what} ${f.connectorId}: its partitions ${f.partitionBytesBefore} -> ${f.partitionBytesAfter} bytes, the database ${f.databaseBytesFreed} bytes smaller at the commit`] : [],
    ),
    '',
    ...r.perConnector.map(
      (c) =>
        `  ${c.connectorId} ${String(c.users).padStart(5)} users: due ${c.schedule.due}, taken ${c.schedule.taken}, started ${c.started}, succeeded ${c.succeeded}, failed ${c.failed}, missed ${c.schedule.missed}` +
        (Object.keys(c.failureKinds).length ? ` (${Object.entries(c.failureKinds).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''),
    ),
  ];
  return lines.join('\n');
}
