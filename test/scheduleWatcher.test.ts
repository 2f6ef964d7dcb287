import { randomBytes, randomUUID } from 'node:crypto';
import { ApplicationFailure, Client, Connection, type ScheduleHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatOutcome } from '../client/formatOutcome';
import { awaitRunOutcome } from '../client/runOutcome';
import { applySyncSchedule } from '../client/schedules';
import { ScheduleWatcher } from '../client/scheduleWatcher';
import { triggerSync } from '../client/triggerSync';
import { workflowBundle } from './support/syncHarness';
import { workflowTraceSinks } from '../workers/traceInterceptors';
import { blockUntilCancelled, currentRun, deferred, healthy, stubActivities } from './workflow/stubActivities';

// `npm start`'s watcher (client/main.ts) against the suite's Temporal server: a schedule of this
// file's own, whose runs a worker with stub activities (test/workflow/stubActivities.ts) executes.

const tag = `watch${randomBytes(3).toString('hex')}`;
const ui = { namespace: 'default' };

let connection: Connection;
let native: NativeConnection;
let client: Client;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  native = await NativeConnection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: 'default' });
});

afterAll(async () => {
  await native?.close();
  await connection?.close();
});

let schedules = 0;

/** A paused schedule of its own (runs only when triggered) and a worker on its task queue while `body` runs. */
async function withSchedule<T>(activities: typeof healthy, body: (schedule: ScheduleHandle, connectorId: string) => Promise<T>): Promise<T> {
  const connectorId = `${tag}-${++schedules}`;
  const taskQueue = `${connectorId}-queue`;
  const schedule = await applySyncSchedule(client, { connectorId, tenantId: 'tenant', taskQueue, intervalMs: 3_600_000, startPaused: true });
  const worker = await Worker.create({
    connection: native,
    namespace: 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    sinks: workflowTraceSinks(),
    activities,
    maxHeartbeatThrottleInterval: '20 ms',
    defaultHeartbeatThrottleInterval: '20 ms',
  });
  try {
    return await worker.runUntil(() => body(schedule, connectorId));
  } finally {
    await schedule.delete().catch(() => undefined);
  }
}


/** What the Web UI's Reset does to an execution: a new execution from the workflow task `eventId` ended. */
async function resetRun(run: { workflowId: string; workflowRunId: string }, eventId: temporal.api.history.v1.IHistoryEvent['eventId'], reason: string) {
  return (await client.workflowService.resetWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId: run.workflowId, runId: run.workflowRunId },
    workflowTaskFinishEventId: eventId,
    reason,
    requestId: randomUUID(),
  })) as temporal.api.workflowservice.v1.IResetWorkflowExecutionResponse;
}

describe("npm start's schedule watcher", () => {
  it('prints only the runs that started after it did', async () => {
    await withSchedule(healthy, async (schedule, connectorId) => {
      // A previous session's run, still among the schedule's recent actions.
      const before = await triggerSync(client, connectorId);
      await client.workflow.getHandle(before.workflowId, before.workflowRunId).result();

      const watcher = await ScheduleWatcher.start(schedule);
      const after = await triggerSync(client, connectorId);

      expect(await watcher.newRuns()).toEqual([{ workflowId: after.workflowId, workflowRunId: after.workflowRunId }]);
      expect(await watcher.newRuns()).toEqual([]);
    });
  });

  it('follows a run reset from the Web UI to the execution that ends it', async () => {
    const held = deferred();
    const events: string[] = [];
    let firstExecution = '';
    // The first execution hangs in its first activity (as a stuck run would); the reset's runs through.
    const stubs = stubActivities({
      prepareRun: async (input) => {
        if (currentRun() === firstExecution) return blockUntilCancelled('prepareRun', events, held.resolve, 0);
        return healthy.prepareRun(input);
      },
    });
    await withSchedule(stubs.activities, async (schedule, connectorId) => {
      const watcher = await ScheduleWatcher.start(schedule);
      const run = await triggerSync(client, connectorId);
      firstExecution = run.workflowRunId;
      expect(await watcher.newRuns()).toEqual([{ workflowId: run.workflowId, workflowRunId: run.workflowRunId }]);
      const outcome = awaitRunOutcome(client, { connectorId, ...run }, ui);
      await held.promise;

      // What the Web UI's "Reset" does: reset to the end of the first workflow task.
      const history = await client.workflow.getHandle(run.workflowId, run.workflowRunId).fetchHistory();
      const resetPoint = history.events!.find((e) => e.workflowTaskCompletedEventAttributes)!.eventId!;
      const firstTaskCompleted = Number(resetPoint);
      const reset = await resetRun(run, resetPoint, 'test: reset from the Web UI');

      const ended = await outcome;
      expect(ended).toMatchObject({ status: 'succeeded', workflowId: run.workflowId, workflowRunId: reset.runId, resets: [{ fromEventId: firstTaskCompleted, workflowRunId: reset.runId }] });
      expect(formatOutcome(ended)).toContain(`reset from event ${firstTaskCompleted}: succeeded`);
      // Neither the reset nor its execution is a new run of the schedule.
      expect(await watcher.newRuns()).toEqual([]);
    });
  });

  it('follows a reset past prepareRun through the execution it continues as new', async () => {
    const held = deferred();
    const events: string[] = [];
    // In order of first appearance: the first execution, the reset's, the one it continued as.
    const executions: string[] = [];
    const nth = () => {
      if (!executions.includes(currentRun())) executions.push(currentRun());
      return executions.indexOf(currentRun());
    };
    const stubs = stubActivities({
      pullDelta: async (input) => {
        const n = nth();
        if (input.stream === 'users' && n === 0) return blockUntilCancelled('users', events, held.resolve, 0);
        // As the real pulls do when a reset took the run over (activities/store/runs.ts).
        if (input.stream === 'users' && n === 1) throw ApplicationFailure.nonRetryable('sync run 7 was taken over by a reset of its workflow', 'RunNotResumable');
        return healthy.pullDelta(input);
      },
      // The reset execution finds the failure recorded for another execution: it starts over.
      failRun: async () => ({ failedBy: nth() === 1 ? 'an-earlier-execution' : currentRun() }),
    });
    await withSchedule(stubs.activities, async (schedule, connectorId) => {
      const run = await triggerSync(client, connectorId);
      const outcome = awaitRunOutcome(client, { connectorId, ...run }, ui);
      await held.promise;

      // Reset to the workflow task after prepareRun completed: a point the run resumes from.
      const history = (await client.workflow.getHandle(run.workflowId, run.workflowRunId).fetchHistory()).events!;
      const prepared = history.findIndex((e) => e.activityTaskCompletedEventAttributes);
      const resetPoint = history.slice(prepared).find((e) => e.workflowTaskCompletedEventAttributes)!.eventId!;
      const reset = await resetRun(run, resetPoint, 'test: reset past prepareRun');

      const ended = await outcome;
      expect(executions.slice(0, 2)).toEqual([run.workflowRunId, reset.runId]);
      expect(executions).toHaveLength(3);
      expect(ended).toMatchObject({ status: 'succeeded', workflowRunId: executions[2], resets: [{ fromEventId: Number(resetPoint), workflowRunId: reset.runId }] });
    });
  });
});
