import { ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import { syncScheduleId } from '../workflows/ids';

export type TriggeredRun = { workflowId: string; workflowRunId: string; alreadyRunning: boolean };

const TRIGGER_WAIT_MS = 20_000;

function startedRuns(d: ScheduleDescription): Map<string, string> {
  const runs = new Map<string, string>();
  for (const action of [...d.info.recentActions.map((r) => r.action), ...d.info.runningActions]) {
    const w = action.workflow;
    runs.set(`${w.workflowId}/${w.firstExecutionRunId}`, w.workflowId);
  }
  return runs;
}

/**
 * Starts a sync through the connector's schedule with overlap SKIP, so a manual sync never runs
 * beside a scheduled one. When a run is already in flight, returns that run instead.
 */
export async function triggerSync(client: Client, connectorId: string): Promise<TriggeredRun> {
  const handle = client.schedule.getHandle(syncScheduleId(connectorId));
  const before = await handle.describe();
  const known = startedRuns(before);
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
  const deadline = Date.now() + TRIGGER_WAIT_MS;
  while (Date.now() < deadline) {
    const now = await handle.describe();
    for (const [key, workflowId] of startedRuns(now)) {
      if (!known.has(key)) return { workflowId, workflowRunId: key.slice(workflowId.length + 1), alreadyRunning: false };
    }
    if (now.info.numActionsSkippedOverlap > before.info.numActionsSkippedOverlap) {
      // Skipped for the run in flight; it may have finished since, and is then the newest action.
      const running = now.info.runningActions[0] ?? now.info.recentActions.at(-1)?.action;
      if (running) return { workflowId: running.workflow.workflowId, workflowRunId: running.workflow.firstExecutionRunId, alreadyRunning: true };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the schedule ${syncScheduleId(connectorId)} did not start a run within ${TRIGGER_WAIT_MS / 1000}s of the trigger`);
}
