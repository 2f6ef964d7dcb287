import type { PartBound } from './runBounds';
import type { RunTimeline } from './runTimeline';

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
  /** The finalizeRun activity, scheduled to completed (workflow history): the run's time after its last Graph answer. */
  finalizeMs: number;
  /** ms - boundMs: what the run spent beyond what Graph allows (issue 30 bounds it for the incremental). */
  overheadMs: number;
}

export function runFigures(run: PartBound, timeline: Pick<RunTimeline, 'activities'>): RunFigures {
  const ms = Math.round(run.ms ?? 0);
  const boundMs = Math.round(run.boundMs);
  const finalize = timeline.activities.find((a) => a.name === 'finalizeRun');
  return {
    ms,
    boundMs,
    ratio: run.ratio === undefined ? null : Math.round(run.ratio * 100) / 100,
    finalizeMs: finalize ? finalize.queueMs + finalize.runMs : 0,
    overheadMs: ms - boundMs,
  };
}

/** One line of JSON with exactly the summary's keys, in its order. */
export function summaryLine(summary: BenchSummary): string {
  const { users, bootstrap, incremental, workerPeakRssMiB, workerIdleRssMiB } = summary;
  return JSON.stringify({ users, bootstrap, incremental, workerPeakRssMiB, workerIdleRssMiB });
}
