import type { ScheduleDescription, ScheduleHandle } from '@temporalio/client';

/** A run a schedule started: its workflow id and the run id of its first execution. */
export type ScheduledRun = { workflowId: string; workflowRunId: string };

const keyOf = (run: ScheduledRun) => `${run.workflowId}/${run.workflowRunId}`;

function startedRuns(d: ScheduleDescription): ScheduledRun[] {
  return [...d.info.recentActions.map((r) => r.action), ...d.info.runningActions].map((a) => ({ workflowId: a.workflow.workflowId, workflowRunId: a.workflow.firstExecutionRunId }));
}

/**
 * Which of the schedule's runs `npm start` prints as it watches: each run once, and only runs
 * that started after the watcher did. The schedule's recent actions outlive the command (they are
 * Temporal's), so the runs the schedule lists when the watcher starts are a previous session's.
 * A reset execution is not a new run: the schedule lists its run by the first execution.
 */
export class ScheduleWatcher {
  private readonly seen = new Set<string>();

  private constructor(private readonly schedule: ScheduleHandle) {}

  /** Start before the command starts runs of its own: what the schedule lists now, it never returns. */
  static async start(schedule: ScheduleHandle): Promise<ScheduleWatcher> {
    const watcher = new ScheduleWatcher(schedule);
    for (const run of startedRuns(await schedule.describe())) watcher.markSeen(run);
    return watcher;
  }

  /** A run printed some other way (the first run `npm start` triggers). */
  markSeen(run: ScheduledRun): void {
    this.seen.add(keyOf(run));
  }

  /** The schedule's runs not returned before, marked seen. */
  async newRuns(): Promise<ScheduledRun[]> {
    const fresh: ScheduledRun[] = [];
    for (const run of startedRuns(await this.schedule.describe())) {
      if (this.seen.has(keyOf(run))) continue;
      this.seen.add(keyOf(run));
      fresh.push(run);
    }
    return fresh;
  }
}
