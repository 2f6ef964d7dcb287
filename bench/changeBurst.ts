import type { Database } from '../activities/store/database';
import type { ChangeMix } from '../simulator/steadyChanges/changeMix';
import type { TenantChange } from '../simulator/steadyChanges/tenantChange';
import { ChangeLatencyLedger, type KindLatency } from './changeLatency';
import { readVisibleRows } from './changeVisibility';
import { countByStatus, runsSince } from './tailRuns';

export type BurstReport = {
  changes: number;
  /** Tail passes started from the burst until its last change was seen: what the burst cost. */
  passes: Record<string, number>;
  /** Full runs started in that time (the schedule is paused; one already running may still commit). */
  fullRuns: Record<string, number>;
  latency: KindLatency;
  unseen: number;
  /** From the burst to the poll that saw its last change. */
  allSeenSeconds: number | null;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `count` changes at once from `mix` (made back to back on the simulator's tenant), then PostgreSQL
 * polled every `pollMs` until every one is seen or `deadlineMs` passed; counts the passes it took.
 */
export async function runBurst(
  db: Database,
  connectorId: string,
  mix: ChangeMix,
  o: { count: number; pollMs: number; deadlineMs: number; now: () => number },
): Promise<BurstReport> {
  const since = new Date();
  const started = performance.now();
  const changes: TenantChange[] = [];
  for (let i = 0; i < o.count; i++) {
    const change = mix.next();
    if (!change) break;
    changes.push(change);
  }
  const ledger = new ChangeLatencyLedger();
  let allSeenSeconds: number | null = null;
  while (performance.now() - started < o.deadlineMs) {
    const polledAt = o.now();
    ledger.observe(changes, await readVisibleRows(db, connectorId, changes.map((c) => c.expect)), polledAt);
    if (ledger.unseen(changes).length === 0) {
      allSeenSeconds = Math.round((performance.now() - started) / 100) / 10;
      break;
    }
    await sleep(o.pollMs);
  }
  const runs = await runsSince(db, connectorId, since);
  return {
    changes: changes.length,
    passes: countByStatus(runs, 'tail'),
    fullRuns: countByStatus(runs, 'full'),
    latency: ledger.overall(changes),
    unseen: ledger.unseen(changes).length,
    allSeenSeconds,
  };
}
