import { randomBytes } from 'node:crypto';
import type { ScheduleHandle } from '@temporalio/client';
import type { Deployment } from '../reliability/stack';
import { ChangeMix, NOTIFIED_CHANGE_MIX } from '../simulator/steadyChanges/changeMix';
import { startSteadyChanges, type SteadyChanges } from '../simulator/steadyChanges/steadyChanges';
import type { TenantChange } from '../simulator/steadyChanges/tenantChange';
import { tenantDifferences } from '../test/support/tenantTruth';
import { syncScheduleId } from '../workflows/ids';
import { runBurst, type BurstReport } from './changeBurst';
import { ChangeLatencyLedger, type KindLatency } from './changeLatency';
import { readVisibleRows } from './changeVisibility';
import { countByStatus, fullRunRetries, runDurations, runsSince, type RunRow } from './tailRuns';

export type TailBenchOptions = {
  /** Switch the connector's tail on (`connector update --tail on`); off: scheduled full runs only. */
  tail: boolean;
  /** As the CLI takes it: 30s. */
  tailInterval: string;
  /** The schedule's interval as the CLI takes it (2m), and in ms. */
  fullEvery: string;
  fullEveryMs: number;
  ratePerSecond: number;
  durationMs: number;
  seed: number;
  pollMs: number;
  /** How long after the last change the bench waits for every change and a later full run. */
  settleMs: number;
  /**
   * Change notifications on: the changes start once the tail subscribed the connector, they are of
   * the kinds Graph notifies (users, groups, memberships), and after the steady changes `burst`
   * changes are made at once with the schedule paused.
   */
  notifications?: { subscribed: () => Promise<void>; burst: number };
};

export type TailBenchReport = {
  tail: boolean;
  bootstrapSeconds: number;
  changes: number;
  unobserved: Array<Pick<TenantChange, 'seq' | 'kind' | 'expect'>>;
  /** Latency is to the first poll that saw the row: at most pollMs (plus the slowest poll) late. */
  resolution: { pollMs: number; slowestPollMs: number; polls: number };
  latency: Record<string, KindLatency>;
  graph: { requests: number; resourceUnits: number; throttled: number; requestsPerChange: number | null; resourceUnitsPerChange: number | null };
  fullRuns: { byStatus: Record<string, number>; retried: string[] };
  tailPasses: Record<string, number>;
  /** How long a tail pass took (started to finished). */
  passDurations: { p50Ms: number | null; p95Ms: number | null };
  settleSeconds: number;
  burst?: BurstReport;
  groundTruth: { equal: boolean; differences: string[] };
};

/** A CLI command that must succeed; its own words when it does not. */
async function cli(d: Deployment, args: string[]): Promise<string> {
  const run = await d.cli(args);
  if (run.code === 0) return run.stdout;
  throw new Error(`entra-sync ${args.join(' ')} exited ${run.code}: ${run.stderr.trim() || run.stdout.trim() || 'no output'}`);
}

/** How often a long bench says how far it is. */
const PROGRESS_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Bootstraps a connector of its own on the deployment, schedules its full runs, switches its
 * tail on (unless told not to), makes steady changes to the tenant while polling PostgreSQL for
 * each one, waits for quiescence, then reports latencies, traffic, runs and the ground truth.
 */
export async function runTailBench(d: Deployment, o: TailBenchOptions, say: (line: string) => void): Promise<TailBenchReport> {
  const sim = d.sim;
  // A connector id of its own: schedules are named by connector, and a dev server may be shared.
  const connectorId = `tail-bench-${randomBytes(3).toString('hex')}`;
  await d.addConnector(connectorId);
  await cli(d, ['connector', 'update', connectorId, '--no-discovery', '--interval', o.fullEvery]);

  const bootstrapStarted = performance.now();
  say(`bootstrap of ${connectorId}…`);
  await (await d.startRun(connectorId)).result();
  const bootstrapSeconds = Math.round((performance.now() - bootstrapStarted) / 100) / 10;
  say(`bootstrap: ${bootstrapSeconds}s`);

  const schedule = d.client.schedule.getHandle(syncScheduleId(connectorId));
  const since = new Date();
  sim.counters.reset();
  say((await cli(d, ['schedule', 'apply', connectorId])).trim());
  if (o.tail) say((await cli(d, ['connector', 'update', connectorId, '--tail', 'on', '--tail-interval', o.tailInterval])).trim());
  if (o.notifications) {
    await o.notifications.subscribed();
    say(`${connectorId}: its tail subscribed it to change notifications for users and groups`);
  }
  const now = () => sim.clock.nowMs();
  const mix = new ChangeMix(sim.tenant, o.seed, now, o.notifications ? NOTIFIED_CHANGE_MIX : undefined);

  let steady: SteadyChanges | undefined;
  let polling = true;
  try {
    steady = startSteadyChanges(sim.tenant, { ratePerSecond: o.ratePerSecond, durationMs: o.durationMs, seed: o.seed, mix });
    const ledger = new ChangeLatencyLedger();
    const resolution = { pollMs: o.pollMs, slowestPollMs: 0, polls: 0 };
    const log = steady.log;
    const poll = async () => {
      const changes = [...log];
      const polledAt = sim.clock.nowMs();
      const rows = await readVisibleRows(d.db, connectorId, changes.map((c) => c.expect));
      ledger.observe(changes, rows, polledAt);
      resolution.polls++;
      resolution.slowestPollMs = Math.max(resolution.slowestPollMs, Math.round(sim.clock.nowMs() - polledAt));
    };
    let progressAt = performance.now();
    const poller = (async () => {
      while (polling) {
        const started = performance.now();
        await poll();
        if (started - progressAt >= PROGRESS_MS) {
          progressAt = started;
          const runs = await runsSince(d.db, connectorId, since);
          say(`${log.length} changes made, ${log.length - ledger.unseen(log).length} seen; full runs ${JSON.stringify(countByStatus(runs, 'full'))}, tail passes ${JSON.stringify(countByStatus(runs, 'tail'))}`);
        }
        await sleep(Math.max(0, o.pollMs - (performance.now() - started)));
      }
    })();
    // A failed poll ends the poller; the error is thrown where the poller is awaited.
    poller.catch(() => undefined);

    const changes = await steady.done;
    const lastChangeAt = changes.at(-1)?.at ?? sim.clock.nowMs();
    // With notifications a full run is started at the end (after the burst) instead of waited for.
    const fullRunAfter = !o.notifications;
    say(`${changes.length} changes made in ${o.durationMs / 1000}s; waiting for every one${fullRunAfter ? ' and a full run started after the last' : ''}…`);
    const settleStarted = performance.now();
    const settled = (runs: RunRow[]) =>
      ledger.unseen(changes).length === 0 && (!fullRunAfter || runs.some((r) => r.kind === 'full' && r.status !== 'running' && r.startedAt.getTime() > lastChangeAt));
    while (performance.now() - settleStarted < o.settleMs && !settled(await runsSince(d.db, connectorId, since))) await sleep(1000);
    const settleSeconds = Math.round((performance.now() - settleStarted) / 100) / 10;
    // No new full run from here on: a run in flight may still finalize, with the same values.
    await schedule.pause('tail bench over');
    polling = false;
    await poller;
    await poll();
    let burst: BurstReport | undefined;
    if (o.notifications?.burst) {
      say(`a burst of ${o.notifications.burst} changes at once (schedule paused)…`);
      burst = await runBurst(d.db, connectorId, mix, { count: o.notifications.burst, pollMs: o.pollMs, deadlineMs: o.settleMs, now });
      say(`burst: every change seen after ${burst.allSeenSeconds ?? '-'}s; tail passes ${JSON.stringify(burst.passes)}`);
    }
    if (o.notifications) {
      // What only full runs read (PIM for Groups schedules of a deleted user's groups) is current for the ground truth.
      say('one full run, so the ground truth can be compared…');
      await (await d.startRun(connectorId)).result();
    }

    const traffic = sim.counters.snapshot().totals;
    const runs = await runsSince(d.db, connectorId, since);
    const perChange = (n: number) => (changes.length ? Math.round((n / changes.length) * 100) / 100 : null);
    const differences = await tenantDifferences(d.db, connectorId, sim.tenant);
    const byKind = ledger.byKind(changes);
    return {
      tail: o.tail,
      bootstrapSeconds,
      changes: changes.length,
      unobserved: ledger.unseen(changes).map(({ seq, kind, expect }) => ({ seq, kind, expect })),
      resolution,
      latency: { ...byKind, all: ledger.overall(changes) },
      graph: {
        requests: traffic.requests,
        resourceUnits: traffic.resourceUnits,
        throttled: traffic.throttled,
        requestsPerChange: perChange(traffic.requests),
        resourceUnitsPerChange: perChange(traffic.resourceUnits),
      },
      fullRuns: { byStatus: countByStatus(runs, 'full'), retried: await fullRunRetries(d.client, runs) },
      tailPasses: countByStatus(runs, 'tail'),
      passDurations: runDurations(runs, 'tail'),
      settleSeconds,
      ...(burst ? { burst } : {}),
      groundTruth: { equal: differences.length === 0, differences },
    };
  } finally {
    polling = false;
    steady?.stop();
    // Nothing keeps starting runs for this connector once the bench is over.
    if (o.tail) await d.cli(['connector', 'update', connectorId, '--tail', 'off']).catch(() => undefined);
    await stopSchedule(d, schedule).catch(() => undefined);
  }
}

/** Deletes the schedule and ends a run of it still in flight (its worker stops with the bench). */
async function stopSchedule(d: Deployment, schedule: ScheduleHandle): Promise<void> {
  const running = (await schedule.describe()).info.runningActions;
  await schedule.delete();
  for (const action of running) {
    await d.client.workflow.getHandle(action.workflow.workflowId, action.workflow.firstExecutionRunId).terminate('tail bench over').catch(() => undefined);
  }
}
