import type { PartBound } from './runBounds';

/** The bench's last line under --json: what issue 14's "done when" is checked against. */
export interface BenchSummary {
  users: number;
  bootstrap: RunFigures;
  incremental: RunFigures;
  workerPeakRssMiB: number;
  workerIdleRssMiB: number;
}

export interface RunFigures {
  ms: number;
  boundMs: number;
  /** ms / boundMs; null when the run sent nothing that bounds it. */
  ratio: number | null;
}

export function runFigures(run: PartBound): RunFigures {
  return { ms: Math.round(run.ms ?? 0), boundMs: Math.round(run.boundMs), ratio: run.ratio === undefined ? null : Math.round(run.ratio * 100) / 100 };
}

/** One line of JSON with exactly the summary's keys, in its order. */
export function summaryLine(summary: BenchSummary): string {
  const { users, bootstrap, incremental, workerPeakRssMiB, workerIdleRssMiB } = summary;
  return JSON.stringify({ users, bootstrap, incremental, workerPeakRssMiB, workerIdleRssMiB });
}
