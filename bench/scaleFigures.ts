// The figures of the many-tenants benchmark (bench/scaleBench.ts), computed from what Temporal
// and PostgreSQL recorded: pure functions, so that the counting itself is tested
// (test/unit/scaleFigures.test.ts).

/** A sync_runs row as the benchmark reads it. */
export type RunInterval = { id: string; connectorId: string; startedAt: Date; finishedAt: Date | null };

/** Two runs of one connector whose [started, finished] intervals intersect. */
export type OverlappingPair = { connectorId: string; first: string; second: string };

/**
 * Every pair of runs of one connector that were in flight at the same moment. A run still
 * unfinished counts as running until `now`. Runs that merely touch (one finishes in the very
 * millisecond the next starts) do not overlap.
 */
export function overlappingRuns(runs: readonly RunInterval[], now: Date): OverlappingPair[] {
  const byConnector = new Map<string, RunInterval[]>();
  for (const run of runs) byConnector.set(run.connectorId, [...(byConnector.get(run.connectorId) ?? []), run]);
  const pairs: OverlappingPair[] = [];
  for (const [connectorId, own] of byConnector) {
    const sorted = [...own].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
    for (let i = 0; i < sorted.length; i++) {
      const first = sorted[i] as RunInterval;
      const firstEnd = (first.finishedAt ?? now).getTime();
      for (let j = i + 1; j < sorted.length; j++) {
        const second = sorted[j] as RunInterval;
        if (second.startedAt.getTime() >= firstEnd) break;
        pairs.push({ connectorId, first: first.id, second: second.id });
      }
    }
  }
  return pairs;
}

/** The counters of a Temporal Schedule's describe info that say what became of its actions. */
export type ScheduleCounters = { numActionsTaken: number; numActionsSkippedOverlap: number; numActionsMissedCatchupWindow: number };

/** What a schedule was due to start in a window and what became of it. */
export type ScheduleOutcome = {
  /** Interval boundaries that fell in the window: what the schedule should have acted on. */
  due: number;
  taken: number;
  skippedOverlap: number;
  missedCatchupWindow: number;
  /** Due, but neither taken nor counted as skipped or missed by Temporal (never expected). */
  unaccounted: number;
  /** Every run the schedule did not start: skipped for overlap, missed by the catch-up window, unaccounted. */
  missed: number;
};

/**
 * Reads a schedule's fate over [from, to]: Temporal's counters, checked against the number of
 * interval boundaries (multiples of the interval since the epoch plus the spec's offset, as an
 * interval spec fires) in that window. An action taken late for a boundary still counts as taken.
 */
export function scheduleOutcome(counters: ScheduleCounters, from: Date, to: Date, intervalMs: number, offsetMs = 0): ScheduleOutcome {
  const due = intervalBoundaries(from, to, intervalMs, offsetMs);
  const taken = counters.numActionsTaken;
  const skippedOverlap = counters.numActionsSkippedOverlap;
  const missedCatchupWindow = counters.numActionsMissedCatchupWindow;
  const unaccounted = Math.max(0, due - taken - skippedOverlap - missedCatchupWindow);
  return { due, taken, skippedOverlap, missedCatchupWindow, unaccounted, missed: skippedOverlap + missedCatchupWindow + unaccounted };
}

/** Times n x `intervalMs` + `offsetMs` in the half-open window (from, to]. */
export function intervalBoundaries(from: Date, to: Date, intervalMs: number, offsetMs = 0): number {
  if (!(intervalMs > 0)) throw new Error(`the interval must be a positive number of milliseconds, not ${intervalMs}`);
  const count = Math.floor((to.getTime() - offsetMs) / intervalMs) - Math.floor((from.getTime() - offsetMs) / intervalMs);
  return Math.max(0, count);
}

export type Distribution = { count: number; p50: number | null; p95: number | null; max: number | null };

/** Nearest-rank percentiles (p50, p95) and the maximum; nulls when there is nothing to measure. */
export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { count: 0, p50: null, p95: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  return { count: sorted.length, p50: rank(50), p95: rank(95), max: sorted[sorted.length - 1] as number };
}

/**
 * User plus system CPU time of a process, in clock ticks, from a /proc/<pid>/stat line. The
 * command name (field 2) may hold spaces and parentheses, so fields are counted after its last ')'.
 */
export function cpuTicksOfStat(stat: string): number {
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime) of the whole line are the 12th and 13th after the name.
  const utime = Number(afterName[11]);
  const stime = Number(afterName[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`);
  return utime + stime;
}

/** CPU seconds spent over a wall-clock window, as a percentage of all the machine's cores. */
export function cpuPercentOfCores(cpuSeconds: number, wallSeconds: number, cores: number): number {
  if (wallSeconds <= 0 || cores <= 0) return 0;
  return Math.round((cpuSeconds / (wallSeconds * cores)) * 1000) / 10;
}
