import { defaultPayloadConverter } from '@temporalio/common';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EntraTailWorkflow, tailStatusQuery, triggerSignal, type TailStatus } from '../../workflows/entraTail';
import { tailWorkflowId } from '../../workflows/ids';
import { workflowBundle } from '../support/syncHarness';
import { recordHistoryIfAsked } from '../support/histories';
import { deferred, healthy, RUN_ID, stubActivities, type AllActivities } from './stubActivities';
import type { TailCheck } from '../../activities';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleOption;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createFromExistingServer({ address: inject('temporalAddress') });
  bundle = await workflowBundle();
});

afterAll(async () => {
  await env?.teardown();
});

let queues = 0;
const uniqueQueue = (what: string) => `${what}-${process.pid}-${Date.now()}-${++queues}`;

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof EntraTailWorkflow>;

/** A connector with its tail on; the backstop is an hour, so only triggers start passes in these tests. */
const TAIL_ON: TailCheck = {
  exists: true,
  enabled: true,
  tailEnabled: true,
  intervalSeconds: 3600,
  fullRunRunning: false,
  lastFullCommitAt: null,
  streamsReadAt: {},
};

async function withTail<T>(activities: AllActivities, body: (handle: Handle, connectorId: string) => Promise<T>, passesPerExecution?: number): Promise<T> {
  const taskQueue = uniqueQueue('entra-tail-wf');
  const connectorId = `c-${taskQueue}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start(EntraTailWorkflow, {
      taskQueue,
      workflowId: tailWorkflowId(connectorId),
      args: [{ connectorId, ...(passesPerExecution ? { passesPerExecution } : {}) }],
    });
    try {
      return await body(handle, connectorId);
    } finally {
      await handle.terminate('test over').catch(() => undefined);
    }
  });
}

/** Polls the tail's status until `check` holds, failing clearly after a deadline. */
async function statusWhen(handle: Handle, check: (s: TailStatus) => boolean, ms = 20_000): Promise<TailStatus> {
  const deadline = Date.now() + ms;
  let last: TailStatus | undefined;
  for (;;) {
    last = await env.client.workflow.getHandle(handle.workflowId).query(tailStatusQuery).catch(() => last);
    if (last && check(last)) return last;
    if (Date.now() > deadline) throw new Error(`tail status did not reach the expected state within ${ms} ms: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const tailPrepares = (stubs: ReturnType<typeof stubActivities>) => stubs.called('prepareRun').filter((c) => (c.input as { kind?: string }).kind === 'tail');

describe('EntraTailWorkflow with stub activities', { timeout: 60_000 }, () => {
  it('coalesces the triggers that arrive during a pass into exactly one next pass', async () => {
    const events: string[] = [];
    const firstPassHeld = deferred();
    const firstPassStarted = deferred();
    let prepares = 0;
    const stubs = stubActivities(
      {
        checkTail: async () => TAIL_ON,
        prepareRun: async (input) => {
          if (++prepares === 1) {
            firstPassStarted.resolve();
            await firstPassHeld.promise;
          }
          return healthy.prepareRun(input);
        },
      },
      events,
    );

    await withTail(stubs.activities, async (handle) => {
      await firstPassStarted.promise;
      for (let i = 0; i < 3; i++) await handle.signal(triggerSignal, { reason: `change ${i}` });
      expect((await statusWhen(handle, (s) => s.triggersWaiting === 3)).state).toBe('passing');
      firstPassHeld.resolve();
      const settled = await statusWhen(handle, (s) => s.passes === 2 && s.state === 'waiting');
      expect(settled.triggersWaiting).toBe(0);
      // One more trigger after the tail settled: its pass is the third, none came between.
      events.push('marker');
      await handle.signal(triggerSignal, { reason: 'after' });
      await statusWhen(handle, (s) => s.passes === 3 && s.state === 'waiting');
      await recordHistoryIfAsked(env.client, { workflowId: handle.workflowId, workflowRunId: handle.firstExecutionRunId }, 'tail-coalesced-triggers');
      await recordHistoryIfAsked(env.client, { workflowId: `${handle.workflowId}-pass-1` }, 'tail-pass-stub-committed');
    });

    expect(tailPrepares(stubs)).toHaveLength(3);
    expect(events.filter((e) => e === 'prepareRun' || e === 'marker')).toEqual(['prepareRun', 'prepareRun', 'marker', 'prepareRun']);
  });

  it('pauses while a full run is in flight and runs no pass until it ended', async () => {
    let fullRunRunning = true;
    const stubs = stubActivities({ checkTail: async () => ({ ...TAIL_ON, fullRunRunning }) });

    await withTail(stubs.activities, async (handle) => {
      const paused = await statusWhen(handle, (s) => s.state === 'paused');
      expect(paused.pausedReason).toMatch(/full run is running/);
      await handle.signal(triggerSignal, { reason: 'change during the full run' });
      // The trigger made the tail look again (a second check), and it stayed paused.
      await waitUntil(() => stubs.called('checkTail').length >= 2);
      expect((await statusWhen(handle, (s) => s.state === 'paused')).passes).toBe(0);
      expect(tailPrepares(stubs)).toHaveLength(0);
      fullRunRunning = false;
      await handle.signal(triggerSignal, { reason: 'after the full run' });
      await statusWhen(handle, (s) => s.passes === 1 && s.state === 'waiting');
    });

    expect(tailPrepares(stubs)).toHaveLength(1);
  });

  it('keeps a trigger that arrived during a full run and passes soon after the full run ended, not at the backstop', async () => {
    let fullRunRunning = true;
    const stubs = stubActivities({ checkTail: async () => ({ ...TAIL_ON, fullRunRunning }) });

    await withTail(stubs.activities, async (handle) => {
      await statusWhen(handle, (s) => s.state === 'paused');
      await handle.signal(triggerSignal, { reason: 'change notified during the full run' });
      await waitUntil(() => stubs.called('checkTail').length >= 2);
      expect(tailPrepares(stubs)).toHaveLength(0);
      // The full run ends; no new trigger comes, and the backstop is an hour away.
      fullRunRunning = false;
      await statusWhen(handle, (s) => s.passes === 1 && s.state === 'waiting');
      await recordHistoryIfAsked(env.client, { workflowId: handle.workflowId, workflowRunId: handle.firstExecutionRunId }, 'tail-kept-trigger-during-full-run');
    });

    expect(tailPrepares(stubs)).toHaveLength(1);
  });

  it('ends cleanly when the connector is disabled', async () => {
    let enabled = true;
    const stubs = stubActivities({ checkTail: async () => ({ ...TAIL_ON, enabled }) });

    const end = await withTail(stubs.activities, async (handle) => {
      await statusWhen(handle, (s) => s.passes === 1 && s.state === 'waiting');
      enabled = false;
      await handle.signal(triggerSignal, { reason: 'connector disabled' });
      return handle.result();
    });

    expect(end).toEqual({ passes: 1, stoppedBecause: 'the connector is disabled' });
    expect(tailPrepares(stubs)).toHaveLength(1);
  });

  it('continues as new after N passes, carrying its count, last pass and waiting triggers', async () => {
    const stubs = stubActivities({ checkTail: async () => TAIL_ON });

    const { history, status } = await withTail(
      stubs.activities,
      async (handle) => {
        await statusWhen(handle, (s) => s.passes === 1 && s.state === 'waiting');
        await handle.signal(triggerSignal, { reason: 'second' });
        // The second pass ends the first execution; the new one reports the carried count.
        const status = await statusWhen(handle, (s) => s.passes === 2 && s.state === 'waiting');
        const first = env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
        expect((await first.describe()).status.name).toBe('CONTINUED_AS_NEW');
        await recordHistoryIfAsked(env.client, { workflowId: handle.workflowId, workflowRunId: handle.firstExecutionRunId }, 'tail-continued-as-new');
        return { history: await first.fetchHistory(), status };
      },
      2,
    );

    const continued = history.events?.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)?.workflowExecutionContinuedAsNewEventAttributes;
    const input = defaultPayloadConverter.fromPayload(continued!.input!.payloads![0]!) as { carried: { passes: number; lastPass: { outcome: string } } };
    expect(input.carried.passes).toBe(2);
    expect(input.carried.lastPass.outcome).toBe('committed');
    expect(status.lastPass?.syncRunId).toBe(RUN_ID);
  });

  it('asks for a full run when a pass finds a delta token expired, and stays paused until a full run committed', async () => {
    let lastFullCommitAt: string | null = null;
    let expired = true;
    const stubs = stubActivities({
      checkTail: async () => ({ ...TAIL_ON, lastFullCommitAt }),
      pullDelta: async (input) => {
        if (expired && input.stream === 'users') {
          throw ApplicationFailure.create({
            type: 'TailNeedsFullRun',
            nonRetryable: true,
            message: 'the delta token of users expired (resyncRequired); a tail pass does not re-read a whole stream, so it asked for a full run',
            details: [{ stream: 'users', reason: 'resyncRequired' }],
          });
        }
        return healthy.pullDelta(input);
      },
    });

    await withTail(stubs.activities, async (handle) => {
      const paused = await statusWhen(handle, (s) => s.passes === 1 && s.state === 'paused');
      expect(paused.pausedReason).toBe('waiting for a full run to re-read users (delta token expired)');
      expect(paused.lastPass?.outcome).toBe('needsFullRun');
      expect(stubs.called('requestFullRun').map((c) => c.input)).toEqual([{ connectorId: expect.any(String) }]);
      // A trigger before the full run committed runs no pass.
      await handle.signal(triggerSignal, { reason: 'change' });
      await waitUntil(() => stubs.called('checkTail').length >= 2);
      expect(tailPrepares(stubs)).toHaveLength(1);
      expired = false;
      lastFullCommitAt = new Date(Date.now() + 1000).toISOString();
      await handle.signal(triggerSignal, { reason: 'after the full run' });
      await statusWhen(handle, (s) => s.passes === 2 && s.state === 'waiting');
      await recordHistoryIfAsked(env.client, { workflowId: handle.workflowId, workflowRunId: handle.firstExecutionRunId }, 'tail-waited-for-full-run');
      await recordHistoryIfAsked(env.client, { workflowId: `${handle.workflowId}-pass-1` }, 'tail-pass-needs-full-run');
    });

    expect(stubs.called('failRun').map((c) => (c.input as { kind: string }).kind)).toEqual(['TailNeedsFullRun']);
  });
});

describe('EntraTailWorkflow keeps its Graph subscriptions', { timeout: 60_000 }, () => {
  it('looks after them when it starts, on their own timer without a pass, on a lifecycle notification before the pass, after a recreation with a pass, and deletes them as it ends', async () => {
    type Managed = { connectorId: string; ending?: boolean };
    let tailEnabled = true;
    let recreateNext = false;
    const events: string[] = [];
    const stubs = stubActivities(
      {
        checkTail: async () => ({ ...TAIL_ON, tailEnabled }),
        // Due again in a second; a recreation when the test asks for one.
        manageSubscriptions: async () => {
          const recreated = recreateNext;
          recreateNext = false;
          return { state: 'on', nextCheckInSeconds: 1, recreated };
        },
      },
      events,
    );
    const managed = () => stubs.called('manageSubscriptions').map((c) => c.input as Managed);

    const end = await withTail(stubs.activities, async (handle) => {
      await statusWhen(handle, (s) => s.passes === 1 && s.state === 'waiting');
      // Looked after before the first pass.
      expect(events.filter((e) => e === 'manageSubscriptions' || e === 'prepareRun').slice(0, 2)).toEqual(['manageSubscriptions', 'prepareRun']);
      // The backstop is an hour: the subscriptions' 1-second timer fires again and again, and runs no pass.
      const before = managed().length;
      await waitUntil(() => managed().length >= before + 2);
      expect(tailPrepares(stubs)).toHaveLength(1);
      expect((await statusWhen(handle, (s) => s.notifications?.state === 'on')).passes).toBe(1);

      // A lifecycle notification: the manager acts first, then a pass.
      events.push('marker');
      await handle.signal(triggerSignal, { reason: 'lifecycle notification: reauthorizationRequired' });
      await statusWhen(handle, (s) => s.passes === 2 && s.state === 'waiting');
      const afterMarker = events.slice(events.indexOf('marker') + 1).filter((e) => e === 'manageSubscriptions' || e === 'prepareRun');
      expect(afterMarker.indexOf('manageSubscriptions')).toBeLessThan(afterMarker.indexOf('prepareRun'));

      // A subscription recreated on the timer: a pass right after, with no trigger.
      recreateNext = true;
      await statusWhen(handle, (s) => s.passes === 3 && s.state === 'waiting');
      await recordHistoryIfAsked(env.client, { workflowId: handle.workflowId, workflowRunId: handle.firstExecutionRunId }, 'tail-managed-subscriptions');

      tailEnabled = false;
      await handle.signal(triggerSignal, { reason: 'tail off' });
      return handle.result();
    });

    expect(end).toEqual({ passes: 3, stoppedBecause: 'the tail was turned off' });
    expect(managed().at(-1)).toEqual({ connectorId: expect.any(String), ending: true });
    expect(managed().filter((m) => m.ending)).toHaveLength(1);
  });

  it('carries when the subscriptions are due over continue-as-new, and a failing manager does not stop the passes', async () => {
    let failing = true;
    const stubs = stubActivities({
      checkTail: async () => TAIL_ON,
      manageSubscriptions: async () => {
        if (failing) throw ApplicationFailure.create({ type: 'GraphDown', nonRetryable: true, message: 'Graph is down' });
        return { state: 'on', nextCheckInSeconds: 3600, recreated: false };
      },
    });
    const { history } = await withTail(
      stubs.activities,
      async (handle) => {
        const first = await statusWhen(handle, (s) => s.passes === 1 && s.state === 'waiting');
        expect(first.notifications).toMatchObject({ state: 'unknown', error: 'Graph is down' });
        failing = false;
        await handle.signal(triggerSignal, { reason: 'second' });
        await statusWhen(handle, (s) => s.passes === 2 && s.state === 'waiting');
        const firstRun = env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
        return { history: await firstRun.fetchHistory() };
      },
      2,
    );
    const continued = history.events?.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)?.workflowExecutionContinuedAsNewEventAttributes;
    const input = defaultPayloadConverter.fromPayload(continued!.input!.payloads![0]!) as { carried: { subscriptionsDueAt?: string } };
    // Failed at the start: due again 5 minutes later, not at once in the continued run.
    expect(Date.parse(input.carried.subscriptionsDueAt!)).toBeGreaterThan(Date.now() + 60_000);
  });
});

async function waitUntil(check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
