import type { Client, ScheduleDescription } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { triggerSync } from '../../client/triggerSync';

type Action = { workflow: { workflowId: string; firstExecutionRunId: string } };
const run = (workflowId: string, runId: string): Action => ({ workflow: { workflowId, firstExecutionRunId: runId } });
const described = (skipped: number, running: Action[], recent: Action[]) =>
  ({ info: { numActionsSkippedOverlap: skipped, runningActions: running, recentActions: recent.map((action) => ({ action })) } }) as unknown as ScheduleDescription;

/** A client whose schedule answers `describe` with these descriptions, one per call (the last repeats). */
function clientDescribing(...descriptions: ScheduleDescription[]): Client {
  let calls = 0;
  const handle = { describe: async () => descriptions[Math.min(calls++, descriptions.length - 1)], trigger: async () => undefined };
  return { schedule: { getHandle: () => handle } } as unknown as Client;
}

describe('triggerSync', () => {
  const held = run('entra-sync-c-2026-11-29T10:00:00Z', 'run-1');

  it('returns the run in flight when the schedule skipped the trigger for it', async () => {
    const client = clientDescribing(described(1, [held], [held]), described(2, [held], [held]));
    expect(await triggerSync(client, 'c')).toEqual({ workflowId: held.workflow.workflowId, workflowRunId: 'run-1', alreadyRunning: true });
  });

  it('returns that run even when it finished before the skip was seen', async () => {
    // Skipped while the run was in flight; by the next look it has closed and is only a recent action.
    const client = clientDescribing(described(1, [held], [held]), described(2, [], [held]));
    expect(await triggerSync(client, 'c')).toEqual({ workflowId: held.workflow.workflowId, workflowRunId: 'run-1', alreadyRunning: true });
  });

  it('returns the new run the trigger started', async () => {
    const started = run('entra-sync-c-2026-11-29T10:15:00Z', 'run-2');
    const client = clientDescribing(described(0, [], [held]), described(0, [started], [held, started]));
    expect(await triggerSync(client, 'c')).toEqual({ workflowId: started.workflow.workflowId, workflowRunId: 'run-2', alreadyRunning: false });
  });
});
