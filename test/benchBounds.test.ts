import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoundLimits } from '../bench/lowerBound';
import { boundsOfRun } from '../bench/runBounds';
import type { RunningSimulator } from '../simulator/server';
import { REPORTS_WINDOW_MS, RESOURCE_UNIT_WINDOW_MS } from '../simulator/traffic/throttle';
import { deltaRound, graphClientFor, listAll, start } from './simulatorHelpers';

// The bench's bound read from what the simulator itself counted and logged while a client
// walked a users delta round and the directory audits, as the connector's pulls do.
describe('the bench bound over real simulator traffic', () => {
  let sim: RunningSimulator;
  let userPages: number;
  let auditPages: number;
  const limits: BoundLimits = { resourceUnits: { limit: 8_000, windowMs: RESOURCE_UNIT_WINDOW_MS }, reports: { limit: 5, windowMs: REPORTS_WINDOW_MS } };

  beforeAll(async () => {
    sim = await start({ users: 250, reportPageSize: 10 });
    const client = graphClientFor(sim);
    sim.counters.reset();
    sim.requestLog.clear();
    // Two walks at once, as the pulls run in parallel: their chains must not merge.
    const [round, audits] = await Promise.all([deltaRound(client, '/users/delta?$select=id,displayName'), listAll(client, '/auditLogs/directoryAudits')]);
    userPages = round.pages.length;
    auditPages = audits.pages.length;
  });

  afterAll(() => sim?.close());

  it('walks more than one page of each, so chains are there to find', () => {
    expect(userPages).toBeGreaterThan(1);
    expect(auditPages).toBeGreaterThan(1);
    expect(userPages).not.toBe(auditPages);
  });

  it('finds each walk as one chain of its pages, and the longest for the run', () => {
    const { run, parts } = boundsOfRun({ counters: sim.counters.snapshot(), log: sim.requestLog.entries(), ms: 1_000, partMs: {} }, limits);
    const part = (name: string) => parts.find((p) => p.part === name);
    expect(part('pullDelta users')?.longestChain).toBe(userPages);
    expect(part('pullAuditEvents')?.longestChain).toBe(auditPages);
    // The run's chain is the walk the service took longest to answer (not the one of most pages:
    // on a busy machine 3 slow audit pages can outlast 8 users pages), and the two never merge.
    // Which walk that was, and its time, come from the simulator's own log, not from the bound.
    const servedMs = (prefix: string) =>
      sim.requestLog.entries().filter((e) => e.path.startsWith(prefix) && e.status === 200).reduce((ms, e) => ms + e.durationMs, 0);
    const walks = [
      { pages: userPages, ms: servedMs('/v1.0/users/delta') },
      { pages: auditPages, ms: servedMs('/v1.0/auditLogs/directoryAudits') },
    ];
    const slowest = walks[0]!.ms >= walks[1]!.ms ? walks[0]! : walks[1]!;
    expect(run.longestChain).toBe(slowest.pages);
    expect(run.roundTripMs * run.longestChain).toBeCloseTo(slowest.ms, 6);
    expect(parts.map((p) => p.part).sort()).toEqual(['pullAuditEvents', 'pullDelta users']);
  });

  it('counts report pages against the reports limit and the rest as resource units', () => {
    const counters = sim.counters.snapshot();
    const { run, parts } = boundsOfRun({ counters, log: sim.requestLog.entries(), ms: 1_000, partMs: { 'pullDelta users': 400 } }, limits);
    const usersDelta = counters.endpoints['GET /v1.0/users/delta'];
    expect(run.reportRequests).toBe(auditPages);
    expect(run.resourceUnits).toBe(usersDelta?.resourceUnits);
    const users = parts.find((p) => p.part === 'pullDelta users');
    expect(users?.reportRequests).toBe(0);
    expect(users?.ms).toBe(400);
    expect(users?.ratio).toBeCloseTo(400 / users!.boundMs, 9);
    // Nothing near a bucket: the bound is the time the service took to answer the round's pages.
    const served = sim.requestLog.entries().filter((entry) => entry.path.startsWith('/v1.0/users/delta') && entry.status === 200);
    expect(users?.binding).toBe('chain');
    expect(users?.boundMs).toBeCloseTo(served.reduce((ms, entry) => ms + entry.durationMs, 0), 6);
    expect(parts.find((p) => p.part === 'pullAuditEvents')?.ms).toBeUndefined();
  });
});
