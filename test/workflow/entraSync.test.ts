import { Context } from '@temporalio/activity';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { WorkflowFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUILD_ENTITLEMENTS_PATCH, EntraSyncWorkflow, progressQuery, RECONCILE_WAVES_PATCH } from '../../workflows/entraSync';
import { DELTA_STREAMS, RECONCILE_INPUTS } from '../../shared/streams';
import { workflowBundle } from '../support/syncHarness';
import { workflowTraceSinks } from '../../workers/traceInterceptors';
import { recordHistoryIfAsked } from '../support/histories';
import { patchMarkers } from '../support/patchMarkers';
import { blockUntilCancelled, deferred, healthy, planFor, REQUESTS_PER_SECOND, RUN_ID, SHARDS, stubActivities, type AllActivities } from './stubActivities';

const CONNECTOR_ID = 'c-stub';

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

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof EntraSyncWorkflow>;

/**
 * Runs `body` while a worker with these activities polls a task queue of its own (and, when
 * asked, a discovery worker polls `discoveryQueue` with the discovery activities only).
 */
async function withWorkers<T>(activities: AllActivities, body: (start: () => Promise<Handle>) => Promise<T>, discoveryQueue?: string): Promise<T> {
  const taskQueue = uniqueQueue('entra-sync-wf');
  // Heartbeats carry cancellation to activities: let them through at once, not every 24 s.
  const throttle = { maxHeartbeatThrottleInterval: '20 ms', defaultHeartbeatThrottleInterval: '20 ms' } as const;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, sinks: workflowTraceSinks(), activities, ...throttle });
  const start = () => env.client.workflow.start(EntraSyncWorkflow, { taskQueue, workflowId: `${taskQueue}-run`, args: [{ connectorId: CONNECTOR_ID }] });
  if (!discoveryQueue) return worker.runUntil(() => body(start));
  const { pullPermissionGrants, pullSignIns } = activities;
  const discovery = await Worker.create({ connection: env.nativeConnection, taskQueue: discoveryQueue, activities: { pullPermissionGrants, pullSignIns }, ...throttle });
  return discovery.runUntil(() => worker.runUntil(() => body(start)));
}

/** The workflow's result, or a clear failure when it hangs (a pull that never saw cancellation). */
async function resultOf(handle: Handle, ms = 20_000) {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${handle.workflowId} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([handle.result(), hung]).finally(() => clearTimeout(timer));
}

/** The history of one run to its end with these activities. */
function historyOfOneRun(activities: AllActivities) {
  return withWorkers(activities, async (start) => {
    const handle = await start();
    await resultOf(handle);
    return handle.fetchHistory();
  });
}

/** Polls `check` until it holds, failing clearly after a deadline. */
async function waitFor(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The ApplicationFailure the workflow failed with. */
async function failureOf(handle: Handle): Promise<ApplicationFailure> {
  const err = await resultOf(handle).then(
    () => expect.fail('expected the workflow to fail'),
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowFailedError)) throw err;
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

const pullInputs = DELTA_STREAMS.map((stream) => ({ syncRunId: RUN_ID, connectorId: CONNECTOR_ID, stream }));
const runInput = { syncRunId: RUN_ID, connectorId: CONNECTOR_ID };

describe('EntraSyncWorkflow with stub activities', { timeout: 60_000 }, () => {
  it('cancels the other pulls on the first failure and waits for them to clean up before failRun; no finalize', async () => {
    const events: string[] = [];
    const groupsBlocked = deferred();
    const stubs = stubActivities(
      {
        pullDelta: async (input) => {
          if (input.stream === 'groups') return blockUntilCancelled('groups', events, groupsBlocked.resolve);
          if (input.stream === 'users') {
            // Fail only once groups is in flight, so there is something to cancel.
            await groupsBlocked.promise;
            throw ApplicationFailure.nonRetryable('Graph said no', 'GraphRequestRejected');
          }
          return healthy.pullDelta(input);
        },
      },
      events,
    );

    const failure = await withWorkers(stubs.activities, async (start) => failureOf(await start()));

    expect(failure.type).toBe('GraphRequestRejected');
    expect(failure.message).toBe(`sync run ${RUN_ID} failed: Graph said no`);
    expect(failure.nonRetryable).toBe(true);
    expect(stubs.called('failRun').map((c) => c.input)).toEqual([{ syncRunId: RUN_ID, kind: 'GraphRequestRejected', message: 'Graph said no' }]);
    expect(events).toContain('groups:cancelled');
    expect(events.indexOf('groups:cleaned up'), events.join(' > ')).toBeGreaterThan(-1);
    expect(events.indexOf('groups:cleaned up'), events.join(' > ')).toBeLessThan(events.indexOf('failRun'));
    // Reconciliation may have run beside the failing pull (its inputs were done); nothing commits.
    expect(stubs.called('finalizeRun')).toEqual([]);
  });

  it('records a cancel mid-pull with failRun as Cancelled, after every pull stopped, and ends cancelled', async () => {
    const events: string[] = [];
    const blocked = DELTA_STREAMS.map(() => deferred());
    const stubs = stubActivities(
      { pullDelta: async (input) => blockUntilCancelled(input.stream, events, blocked[DELTA_STREAMS.indexOf(input.stream)]!.resolve) },
      events,
    );

    const status = await withWorkers(stubs.activities, async (start) => {
      const handle = await start();
      await Promise.all(blocked.map((b) => b.promise));
      await handle.cancel();
      await resultOf(handle).catch(() => undefined);
      await recordHistoryIfAsked(env.client, handle, 'cancelled-mid-pull');
      return (await handle.describe()).status.name;
    });

    // Temporal and the run record agree: cancelled, not failed.
    expect(status).toBe('CANCELLED');
    const failRuns = stubs.called('failRun').map((c) => c.input);
    expect(failRuns).toEqual([{ syncRunId: RUN_ID, kind: 'Cancelled', message: expect.stringContaining('cancelled') }]);
    for (const stream of DELTA_STREAMS) {
      expect(events.indexOf(`${stream}:cleaned up`), events.join(' > ')).toBeGreaterThan(-1);
      expect(events.indexOf(`${stream}:cleaned up`), events.join(' > ')).toBeLessThan(events.indexOf('failRun'));
    }
    expect(stubs.called('finalizeRun')).toEqual([]);
  });

  it('a cancel while finalize runs waits for it: finalize commits and the workflow completes, no failRun', async () => {
    const finalizing = deferred();
    const release = deferred();
    const stubs = stubActivities({
      finalizeRun: async ({ syncRunId }) => {
        finalizing.resolve();
        await release.promise;
        return { syncRunId, status: 'succeeded', streams: {} };
      },
    });

    const { summary, status } = await withWorkers(stubs.activities, async (start) => {
      const handle = await start();
      await finalizing.promise;
      await handle.cancel();
      // The cancel request is in history before finalize is let go.
      await waitFor(async () => (await handle.fetchHistory()).events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes) ?? false);
      release.resolve();
      const summary = await resultOf(handle);
      await recordHistoryIfAsked(env.client, handle, 'cancelled-during-finalize-completed');
      return { summary, status: (await handle.describe()).status.name };
    });

    expect(status).toBe('COMPLETED');
    expect(summary).toEqual({ syncRunId: RUN_ID, status: 'succeeded', streams: {} });
    expect(stubs.called('failRun')).toEqual([]);
  });

  it('starts over (continue-as-new) when failRun says the failure was recorded by the execution it was reset from', async () => {
    let finalizes = 0;
    const stubs = stubActivities({
      finalizeRun: async ({ syncRunId }) => {
        if (++finalizes > 1) return { syncRunId, status: 'succeeded', streams: {} };
        throw ApplicationFailure.create({ type: 'RunNotResumable', nonRetryable: true, message: 'sync run 7 already committed' });
      },
      failRun: async () => ({ failedBy: 'the-execution-before-the-reset' }),
    });

    const { first, summary, history } = await withWorkers(stubs.activities, async (start) => {
      const handle = await start();
      // result() follows the chain of continued runs to the last one.
      const summary = await resultOf(handle);
      const firstRun = env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
      await recordHistoryIfAsked(env.client, { workflowId: handle.workflowId, workflowRunId: handle.firstExecutionRunId }, 'reset-past-failure-continued-as-new');
      return { first: (await firstRun.describe()).status.name, summary, history: await firstRun.fetchHistory() };
    });

    expect(first).toBe('CONTINUED_AS_NEW');
    expect(summary).toEqual({ syncRunId: RUN_ID, status: 'succeeded', streams: {} });
    const continued = history.events?.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)?.workflowExecutionContinuedAsNewEventAttributes;
    expect(defaultPayloadConverter.fromPayload(continued!.input!.payloads![0]!)).toEqual({ connectorId: CONNECTOR_ID });
    // The fresh execution prepared a run of its own.
    expect(stubs.called('prepareRun')).toHaveLength(2);
    await Worker.runReplayHistory({ workflowBundle: bundle, sinks: workflowTraceSinks() }, history);
  });

  it('fails with NoDiscoveryWorker, naming the queue, when nobody polls the discovery task queue', async () => {
    const nobodyPolls = uniqueQueue('entra-discovery-unpolled');
    const stubs = stubActivities({
      prepareRun: async () => ({ syncRunId: RUN_ID, streams: planFor(true), discovery: { taskQueue: nobodyPolls, startTimeoutMs: 1_000 } }),
    });

    const { failure, progress } = await withWorkers(stubs.activities, async (start) => {
      const handle = await start();
      return { failure: await failureOf(handle), progress: await handle.query(progressQuery) };
    });

    // The operator-facing text of the README's NoDiscoveryWorker row.
    const documented =
      `no discovery worker is polling task queue ${nobodyPolls}; start it with "npm run worker:discovery" ` +
      '(or the discovery-worker service of docker-compose.yml), or turn discovery off for this connector (ENTRA_DISCOVERY_ENABLED=false)';
    expect(failure.type).toBe('NoDiscoveryWorker');
    expect(failure.message).toBe(`sync run ${RUN_ID} failed: ${documented}`);
    expect(stubs.called('failRun').map((c) => c.input)).toEqual([{ syncRunId: RUN_ID, kind: 'NoDiscoveryWorker', message: documented }]);
    expect(progress.phase).toBe('failed');
    expect(progress.streams.permissionGrants).toEqual({ done: false, waitingFor: nobodyPolls });
    expect(stubs.called('pullPermissionGrants')).toEqual([]);
    expect(stubs.called('finalizeRun')).toEqual([]);
  });

  it('a new execution records the stream-registry marker and runs every planned stream: pulls, reconciliation, discovery', async () => {
    const discoveryQueue = uniqueQueue('entra-discovery');
    const stubs = stubActivities({
      prepareRun: async () => ({ syncRunId: RUN_ID, streams: planFor(true), discovery: { taskQueue: discoveryQueue, startTimeoutMs: 30_000 } }),
    });

    const { summary, history, progress } = await withWorkers(
      stubs.activities,
      async (start) => {
        const handle = await start();
        return { summary: await resultOf(handle), history: await handle.fetchHistory(), progress: await handle.query(progressQuery) };
      },
      discoveryQueue,
    );

    expect(summary).toEqual({ syncRunId: RUN_ID, status: 'succeeded', streams: {} });
    expect(progress).toEqual({
      phase: 'succeeded',
      syncRunId: RUN_ID,
      streams: {
        ...Object.fromEntries(DELTA_STREAMS.map((stream) => [stream, { done: true, pages: 1 }])),
        directoryRoleAssignments: { done: true },
        directoryRoleEligibilities: { done: true },
        directoryRoleActiveSchedules: { done: true },
        groupPimSchedules: { done: true },
        administrativeUnits: { done: true },
        credentialAuditEvents: { done: true },
        owners: { done: true },
        appRoleAssignments: { done: true },
        permissionGrants: { done: true },
        signIns: { done: true },
      },
    });
    // 1.0.0 is the baseline; 1.3.0 reconciles in two waves.
    expect(patchMarkers(history)).toEqual([RECONCILE_WAVES_PATCH]);
    expect(stubs.called('prepareRun').map((c) => c.input)).toEqual([{ connectorId: CONNECTOR_ID }]);
    expect(stubs.called('pullDelta').map((c) => c.input)).toEqual(expect.arrayContaining(pullInputs));
    expect(stubs.called('pullDelta')).toHaveLength(DELTA_STREAMS.length);
    expect(stubs.called('pullFullStream').map((c) => c.input)).toEqual(
      expect.arrayContaining([
        { ...runInput, stream: 'directoryRoleAssignments' },
        { ...runInput, stream: 'directoryRoleEligibilities' },
        { ...runInput, stream: 'directoryRoleActiveSchedules' },
        { ...runInput, stream: 'groupPimSchedules' },
        { ...runInput, stream: 'administrativeUnits' },
      ]),
    );
    expect(stubs.called('pullFullStream')).toHaveLength(5);
    expect(stubs.called('pullAuditEvents').map((c) => c.input)).toEqual([runInput]);
    expect(stubs.called('planReconciliation')).toEqual([]);
    // Two waves, or one when the audit pull ended before the apps and service principals (the next tests hold each order).
    const waves = stubs.called('planReconciliationWave').map((c) => (c.input as { wave: string }).wave);
    expect([['deltas', 'audit'], ['all']]).toContainEqual(waves);
    // Each wave's shards, as its plan numbers them: 0 and 1, then 2 and 3.
    const shards = stubs.called('reconcileShard').map((c) => c.input as { shard: number });
    expect(shards.sort((a, b) => a.shard - b.shard)).toEqual(
      Array.from({ length: waves.length * SHARDS }, (_, shard) => ({ ...runInput, shard, requestsPerSecond: REQUESTS_PER_SECOND })),
    );
    for (const name of ['pullPermissionGrants', 'pullSignIns'] as const) {
      expect(stubs.called(name), name).toEqual([{ name, input: runInput, taskQueue: discoveryQueue }]);
    }
    // The order of reconciliation and the pulls: see the next test.
    expect(stubs.events.at(-1)).toBe('finalizeRun');
    expect(stubs.called('failRun')).toEqual([]);
    // The recorded history is one today's code replays without a determinism error.
    await Worker.runReplayHistory({ workflowBundle: bundle, sinks: workflowTraceSinks() }, history);
  });

  it('reconciles what the deltas name once the apps and service principals are pulled, while the audit pull still runs; what the audit events name after it, while the users pull still runs', async () => {
    const events: string[] = [];
    const deltasWaveRead = deferred();
    const auditWavePlanned = deferred();
    const done = (what: string) => events.push(`${what}:done`);
    const stubs = stubActivities(
      {
        pullDelta: async ({ stream }) => {
          // The users pull ends only once the audit wave is planned: were reconciliation to wait
          // for every pull, this run could never finish.
          if (stream === 'users') await auditWavePlanned.promise;
          done(`pullDelta ${stream}`);
          return { stream, mode: 'bootstrap', pages: 1, staged: 0, resyncReason: null };
        },
        // The audit pull ends only once a shard of the deltas wave has read: were that wave to wait for it, no end either.
        pullAuditEvents: async () => {
          await deltasWaveRead.promise;
          done('pullAuditEvents');
          return { events: 0 };
        },
        planReconciliationWave: async ({ wave }) => {
          events.push(`planReconciliation ${wave}`);
          if (wave === 'audit') auditWavePlanned.resolve();
          return { shards: 1, firstShard: wave === 'audit' ? 1 : 0, requestsPerSecondPerShard: REQUESTS_PER_SECOND };
        },
        reconcileShard: async ({ shard }) => {
          events.push(`reconcileShard ${shard}`);
          if (shard === 0) deltasWaveRead.resolve();
          return { targets: 0, gone: 0 };
        },
      },
      events,
    );

    await withWorkers(stubs.activities, async (start) => resultOf(await start()));

    const at = (event: string) => {
      expect(events, event).toContain(event);
      return events.indexOf(event);
    };
    expect(RECONCILE_INPUTS).toEqual(['applications', 'servicePrincipals', 'credentialAuditEvents']);
    for (const input of ['pullDelta applications:done', 'pullDelta servicePrincipals:done']) expect(at(input), input).toBeLessThan(at('planReconciliation deltas'));
    expect(at('planReconciliation deltas')).toBeLessThan(at('reconcileShard 0'));
    expect(at('reconcileShard 0')).toBeLessThan(at('pullAuditEvents:done'));
    expect(at('pullAuditEvents:done')).toBeLessThan(at('planReconciliation audit'));
    expect(at('planReconciliation audit')).toBeLessThan(at('reconcileShard 1'));
    expect(at('pullDelta users:done')).toBeGreaterThan(at('planReconciliation audit'));
    expect(events.filter((e) => e.startsWith('reconcileShard '))).toEqual(['reconcileShard 0', 'reconcileShard 1']);
    expect(events.at(-1)).toBe('finalizeRun');
  });

  it('plans once, audit events included, when the audit pull ended before the apps and service principals', async () => {
    const stubs = stubActivities({
      pullDelta: async ({ stream }) => {
        if (stream === 'applications' || stream === 'servicePrincipals') {
          // Ends only once the workflow has taken the audit pull's result.
          const workflow = env.client.workflow.getHandle(Context.current().info.workflowExecution!.workflowId);
          await waitFor(async () => (await workflow.query(progressQuery)).streams.credentialAuditEvents?.done === true);
        }
        return { stream, mode: 'incremental', pages: 1, staged: 0, resyncReason: null };
      },
    });

    await withWorkers(stubs.activities, async (start) => resultOf(await start()));

    expect(stubs.called('planReconciliationWave').map((c) => c.input)).toEqual([{ ...runInput, wave: 'all' }]);
    expect(stubs.called('reconcileShard')).toHaveLength(SHARDS);
    expect(stubs.events.at(-1)).toBe('finalizeRun');
  });

  it('reconciles in one wave when the run pulls no audit events (a tail pass that deferred them)', async () => {
    const stubs = stubActivities({ prepareRun: async () => ({ syncRunId: RUN_ID, streams: planFor(false).filter((s) => s.stream !== 'credentialAuditEvents') }) });

    await withWorkers(stubs.activities, async (start) => resultOf(await start()));

    expect(stubs.called('pullAuditEvents')).toEqual([]);
    expect(stubs.called('planReconciliation').map((c) => c.input)).toEqual([runInput]);
    expect(stubs.called('planReconciliationWave')).toEqual([]);
    expect(stubs.called('reconcileShard')).toHaveLength(SHARDS);
    expect(stubs.events.at(-1)).toBe('finalizeRun');
  });

  it("builds a first bootstrap's entitlements after reconciliation and the groups pull, while the users pull still runs, then finalizes", async () => {
    const users = deferred();
    const groups = deferred();
    const audit = deferred();
    const pulled = { users: false, groups: false };
    const seenByBuild: Array<typeof pulled & { shards: number }> = [];
    const stubs = stubActivities({
      prepareRun: async () => ({ syncRunId: RUN_ID, streams: planFor(false), buildsEntitlements: true }),
      pullDelta: async ({ stream }) => {
        if (stream === 'users') await users.promise;
        if (stream === 'groups') await groups.promise;
        if (stream === 'users' || stream === 'groups') pulled[stream] = true;
        return { stream, mode: 'bootstrap', pages: 1, staged: 0, resyncReason: null };
      },
      // Two waves for certain: the audit pull ends after the first wave's plan.
      pullAuditEvents: async () => {
        await audit.promise;
        return { events: 0 };
      },
      buildEntitlements: async () => {
        seenByBuild.push({ ...pulled, shards: stubs.called('reconcileShard').length });
        return { built: true, rows: 0 };
      },
    });

    const history = await withWorkers(stubs.activities, async (start) => {
      const handle = await start();
      await waitFor(async () => stubs.called('planReconciliationWave').length === 1);
      audit.resolve();
      // The groups pull ends only after reconciliation did; the users pull only after the build.
      await waitFor(async () => stubs.called('reconcileShard').length === 2 * SHARDS);
      groups.resolve();
      await waitFor(async () => seenByBuild.length > 0);
      users.resolve();
      await resultOf(handle);
      await recordHistoryIfAsked(env.client, handle, 'first-bootstrap-builds-entitlements');
      return handle.fetchHistory();
    });

    expect(seenByBuild).toEqual([{ users: false, groups: true, shards: 2 * SHARDS }]);
    expect(stubs.called('buildEntitlements').map((c) => c.input)).toEqual([runInput]);
    expect(stubs.events.at(-1)).toBe('finalizeRun');
    expect(patchMarkers(history)).toEqual([RECONCILE_WAVES_PATCH, BUILD_ENTITLEMENTS_PATCH]);
  });

  it('builds no entitlements before finalize when prepareRun does not ask (a later bootstrap, an incremental run)', async () => {
    const stubs = stubActivities();

    const history = await historyOfOneRun(stubs.activities);

    expect(stubs.called('buildEntitlements')).toEqual([]);
    expect(patchMarkers(history)).toEqual([RECONCILE_WAVES_PATCH]);
  });

  it('gives one finalize attempt 2 hours (a bootstrap of a million users takes minutes) and the run-record activities 10', async () => {
    const stubs = stubActivities();

    const history = await historyOfOneRun(stubs.activities);

    const startToClose = Object.fromEntries(
      (history.events ?? []).flatMap((e) => {
        const scheduled = e.activityTaskScheduledEventAttributes;
        return scheduled ? [[scheduled.activityType?.name, Number(scheduled.startToCloseTimeout?.seconds)]] : [];
      }),
    );
    expect(startToClose).toMatchObject({ prepareRun: 10 * 60, planReconciliationWave: 10 * 60, finalizeRun: 2 * 60 * 60 });
  });

  it('without discovery planned, schedules no discovery activity', async () => {
    const stubs = stubActivities();

    const history = await historyOfOneRun(stubs.activities);

    // 1.0.0 is the baseline; 1.3.0 reconciles in two waves.
    expect(patchMarkers(history)).toEqual([RECONCILE_WAVES_PATCH]);
    expect(stubs.called('pullFullStream').map((c) => c.input)).toEqual(
      expect.arrayContaining([
        { ...runInput, stream: 'directoryRoleAssignments' },
        { ...runInput, stream: 'directoryRoleEligibilities' },
        { ...runInput, stream: 'directoryRoleActiveSchedules' },
        { ...runInput, stream: 'groupPimSchedules' },
        { ...runInput, stream: 'administrativeUnits' },
      ]),
    );
    expect(stubs.called('pullFullStream')).toHaveLength(5);
    expect(stubs.called('pullPermissionGrants')).toEqual([]);
    expect(stubs.called('pullSignIns')).toEqual([]);
    expect(stubs.called('finalizeRun').map((c) => c.input)).toEqual([{ syncRunId: RUN_ID }]);
  });
});
