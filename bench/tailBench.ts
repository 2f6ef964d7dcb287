import { Command, Option } from 'commander';
import { NotificationPath } from '../reliability/notificationPath';
import { untilSubscribed } from '../test/support/subscribed';
import { startStack } from '../reliability/stack';
import { runMain } from '../workers/runMain';
import { parseDuration } from '../shared/duration';
import { durationText, positiveNumber, wholeNumber } from './optionParsers';
import { runTailBench, type TailBenchReport } from './tailBenchRun';

const options = new Command()
  .name('npm run bench:tail --')
  .description('Change-to-row latency: steady tenant changes while the tail and scheduled full runs sync them, through the real worker, Temporal and PostgreSQL.')
  .option('--users <n>', 'users in the tenant (groups, apps, service principals in proportion)', wholeNumber('users'), 10_000)
  .option('--latency-ms <ms>', "simulated network latency: median of each Graph answer's delay (log-normal, p99 = 4 x median)", wholeNumber('latency-ms'), 50)
  .option('--no-throttling', 'turn the simulator resource-unit throttling off')
  .option('--seed <n>', 'tenant and change seed', wholeNumber('seed'), 7)
  .option('--no-tail', 'scheduled full runs only: the baseline beside the tail')
  .option('--tail-interval <duration>', "the tail's backstop interval (connector update --tail-interval)", durationText('tail-interval'), '30s')
  .option('--full-every <duration>', "the connector's schedule: a full run this often", durationText('full-every'), '2m')
  .option('--rate <n>', 'tenant changes per second', positiveNumber('rate'), 5)
  .option('--duration <duration>', 'how long the changes go on', durationText('duration'), '10m')
  .option('--poll-ms <ms>', 'how often PostgreSQL is polled for the changes (the latency resolution)', wholeNumber('poll-ms'), 250)
  .option('--settle <duration>', 'after the last change, the longest wait for every change and a later full run (default: 2 x full-every + 2m)', durationText('settle'))
  .option('--notifications', "change notifications on: a receiver, the worker's ENTRA_NOTIFICATION_URL, changes of the kinds Graph notifies (users, groups, memberships), then a burst")
  .addOption(new Option('--delivery-latency <latency>', "with --notifications: the simulated Graph's delivery latency: instant, or Microsoft's stated figures (median 1 min, p99 15 min)").choices(['instant', 'microsoft']).default('instant'))
  .option('--burst <n>', 'with --notifications: changes made at once after the steady ones (0: none)', wholeNumber('burst'), 1000)
  .option('--json', 'print the results as one line of JSON')
  .parse()
  .opts<{
    users: number;
    latencyMs: number;
    throttling: boolean;
    seed: number;
    tail: boolean;
    tailInterval: string;
    fullEvery: string;
    rate: number;
    duration: string;
    pollMs: number;
    settle?: string;
    notifications?: boolean;
    deliveryLatency: 'instant' | 'microsoft';
    burst: number;
    json?: boolean;
  }>();

runMain(async () => {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const fullEveryMs = parseDuration(options.fullEvery)!;
  const stack = await startStack(
    {
      users: options.users,
      seed: options.seed,
      pageSize: 100,
      throttling: { enabled: options.throttling },
      ...(options.latencyMs > 0 ? { latency: { distribution: { kind: 'logNormal', medianMs: options.latencyMs, p99Ms: options.latencyMs * 4 } } } : {}),
    },
    say,
  );
  let receiver: NotificationPath | undefined;
  try {
    const deployment = await stack.deploy();
    if (options.notifications) {
      stack.sim.notifications.configure({ latency: options.deliveryLatency === 'instant' ? { kind: 'none' } : 'microsoftStated' });
      receiver = await NotificationPath.start(deployment);
      say(`receiver: ${receiver.notificationUrl}, delivery latency ${options.deliveryLatency}`);
    }
    await deployment.startWorker('sync', receiver ? { ENTRA_NOTIFICATION_URL: receiver.notificationUrl } : {});
    const url = receiver?.notificationUrl;
    const report = await runTailBench(
      deployment,
      {
        tail: options.tail,
        tailInterval: options.tailInterval,
        fullEvery: options.fullEvery,
        fullEveryMs,
        ratePerSecond: options.rate,
        durationMs: parseDuration(options.duration)!,
        seed: options.seed,
        pollMs: options.pollMs,
        settleMs: options.settle ? parseDuration(options.settle)! : 2 * fullEveryMs + 120_000,
        ...(url ? { notifications: { subscribed: () => untilSubscribed(stack.sim, url).then(() => undefined), burst: options.burst } } : {}),
      },
      say,
    );
    const settings = {
      users: options.users,
      latencyMs: options.latencyMs,
      throttling: options.throttling,
      seed: options.seed,
      tailInterval: options.tail ? options.tailInterval : null,
      fullEvery: options.fullEvery,
      rate: options.rate,
      duration: options.duration,
      notifications: options.notifications ? { deliveryLatency: options.deliveryLatency, burst: options.burst } : null,
    };
    process.stdout.write(options.json ? `${JSON.stringify({ ...settings, ...report })}\n` : `${formatReport(report)}\n`);
    // What must hold: every change lands, no full run is hurt, the ground truth holds.
    const fullRunsHurt = Object.entries(report.fullRuns.byStatus).filter(([status]) => status !== 'succeeded' && status !== 'running').reduce((n, [, count]) => n + count, 0) + report.fullRuns.retried.length;
    if (!report.groundTruth.equal || report.unobserved.length > 0 || fullRunsHurt > 0 || (report.burst?.unseen ?? 0) > 0) process.exitCode = 1;
  } finally {
    await receiver?.stop();
    await stack.stop();
  }
});

function formatReport(r: TailBenchReport): string {
  const ms = (n: number | null) => (n === null ? '-' : `${n}`);
  const lines = [
    `## ${r.tail ? 'tail on' : 'no tail (scheduled full runs only)'}: ${r.changes} changes, bootstrap ${r.bootstrapSeconds}s, settled ${r.settleSeconds}s after the last change`,
    `change-to-row latency in ms (to the first poll that saw the row; polled every ${r.resolution.pollMs} ms, slowest poll ${r.resolution.slowestPollMs} ms, ${r.resolution.polls} polls):`,
    `  ${'kind'.padEnd(22)} ${'changes'.padStart(7)} ${'seen'.padStart(5)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)} ${'went back'.padStart(9)}`,
  ];
  for (const [kind, k] of Object.entries(r.latency)) {
    lines.push(`  ${kind.padEnd(22)} ${String(k.changes).padStart(7)} ${String(k.observed).padStart(5)} ${ms(k.p50Ms).padStart(8)} ${ms(k.p95Ms).padStart(8)} ${ms(k.maxMs).padStart(8)} ${String(k.wentBack).padStart(9)}`);
  }
  const g = r.graph;
  lines.push(`Graph: ${g.requests} requests (${ms(g.requestsPerChange)} per change), ${g.resourceUnits} resource units (${ms(g.resourceUnitsPerChange)} per change), ${g.throttled} throttled`);
  lines.push(`full runs: ${JSON.stringify(r.fullRuns.byStatus)}; activities retried: ${r.fullRuns.retried.length ? r.fullRuns.retried.join(', ') : 'none'}`);
  lines.push(`tail passes: ${JSON.stringify(r.tailPasses)}; a pass took p50 ${ms(r.passDurations.p50Ms)} / p95 ${ms(r.passDurations.p95Ms)} ms`);
  if (r.burst) {
    const b = r.burst;
    lines.push(
      `burst of ${b.changes} changes at once: ${b.allSeenSeconds === null ? `${b.unseen} never seen` : `all seen after ${b.allSeenSeconds}s`}, p50 ${ms(b.latency.p50Ms)} / p95 ${ms(b.latency.p95Ms)} / max ${ms(b.latency.maxMs)} ms; it cost ${JSON.stringify(b.passes)} tail passes (full runs in that time: ${JSON.stringify(b.fullRuns)})`,
    );
  }
  if (r.unobserved.length) lines.push(`never seen: ${r.unobserved.length} (${r.unobserved.slice(0, 3).map((c) => `#${c.seq} ${c.kind}`).join(', ')})`);
  lines.push(`database equals the simulator's ground truth: ${r.groundTruth.equal ? 'yes' : `NO\n  ${r.groundTruth.differences.join('\n  ')}`}`);
  return lines.join('\n');
}
