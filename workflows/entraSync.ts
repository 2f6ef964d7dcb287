import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  isCancellation,
  log,
  patched,
  workflowInfo,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { PreparedRun, RunSummary, SyncActivities } from '../activities';
import { AUDIT_STREAM, PULLED_STREAMS, RECONCILE_INPUTS, type DeltaStream, type FullStream, type PullActivity, type PulledStreamName } from '../shared/streams';
import type { DiscoveryActivities } from '../activities/discovery';
import { FailureKind } from '../shared/failureKinds';
import type { RunKind } from '../shared/runKinds';
import type { ReconcileWave } from '../activities/staging/planTargets';

/** kind 'tail': one tail pass (workflows/entraTail.ts starts it as a child); absent: a full run. */
export type EntraSyncInput = { connectorId: string; kind?: RunKind };

/**
 * How a tail pass ended without committing, when that is part of the tail's normal course: prepare
 * refused it (a full run is running, the tail is off), its finalize yielded to a full run or a
 * newer commit, or a stream needs a full run (an expired delta token). Anything else fails the
 * workflow as a full run's failure does.
 */
export type TailPassSkipped = {
  syncRunId: number;
  status: 'refused' | 'yielded' | 'needsFullRun';
  reason: string;
  /** needsFullRun: the stream to read whole, and Graph's reason (resyncRequired, syncStateNotFound, ...). */
  stream?: string;
  resyncReason?: string;
};

export type SyncResult = RunSummary | TailPassSkipped;

export type SyncProgress = {
  phase: 'preparing' | 'pulling' | 'reconciling' | 'finalizing' | 'succeeded' | 'failed' | 'cancelled';
  syncRunId?: number;
  /** waitingFor: the task queue a stream's activity waits on (the discovery worker's). */
  streams: Record<string, { done: boolean; pages?: number; waitingFor?: string }>;
};

export const progressQuery = defineQuery<SyncProgress>('progress');

const RUN_RECORD_OPTIONS = {
  startToCloseTimeout: '10 minutes',
  // They heartbeat while they work (activities/heartbeatWhile.ts): a lost worker costs seconds.
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
} as const;

const { prepareRun, planReconciliation, planReconciliationWave, failRun } = proxyActivities<SyncActivities>(RUN_RECORD_OPTIONS);

/** Reconciliation in two waves, the deltas' targets not waiting for the audit pull (1.3.0); histories from before replay without. */
export const RECONCILE_WAVES_PATCH = 'reconcile-before-audit';

/** A connector's first bootstrap builds its entitlements before finalize (1.4.0); histories from before replay without. */
export const BUILD_ENTITLEMENTS_PATCH = 'entitlements-before-finalize';

// A first bootstrap's entitlements: about 10 s at 1,000,000 users (docs/bootstrap-swap.md).
const { buildEntitlements } = proxyActivities<SyncActivities>({ ...RUN_RECORD_OPTIONS, startToCloseTimeout: '1 hour' });

// Finalize writes the whole tenant in a bootstrap: about 4 minutes at 1,000,000 users (docs/BENCHMARKS.md).
// Its heartbeat notices a lost worker; the start-to-close only bounds one attempt, so it is generous.
const { finalizeRun } = proxyActivities<SyncActivities>({ ...RUN_RECORD_OPTIONS, startToCloseTimeout: '2 hours' });

export const noDiscoveryWorkerMessage = (taskQueue: string) =>
  `no discovery worker is polling task queue ${taskQueue}; start it with "npm run worker:discovery" ` +
  '(or the discovery-worker service of docker-compose.yml), or turn discovery off for this connector (ENTRA_DISCOVERY_ENABLED=false)';

const { pullDelta, pullFullStream, pullAuditEvents, reconcileShard } = proxyActivities<SyncActivities>({
  startToCloseTimeout: '4 hours',
  // Short enough to notice a dead worker quickly; pullDelta heartbeats on every page and while waiting.
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes', maximumAttempts: 8 },
});

/**
 * One sync of one connector: prepare (plan every stream), pull them in parallel into staging,
 * then commit everything in one finalize. On any failure nothing is committed, the run record
 * says why, and the workflow fails visibly so an operator can inspect or reset it.
 */
export async function EntraSyncWorkflow(input: EntraSyncInput & { kind: 'tail' }): Promise<SyncResult>;
/** A full run ends committed, or fails. (The last signature is what typeof EntraSyncWorkflow returns.) */
export async function EntraSyncWorkflow(input: EntraSyncInput): Promise<RunSummary>;
export async function EntraSyncWorkflow(input: EntraSyncInput): Promise<SyncResult> {
  const progress: SyncProgress = { phase: 'preparing', streams: {} };
  setHandler(progressQuery, () => progress);

  const tail = input.kind === 'tail';
  // A full run's input stays as recorded histories have it.
  const prepared = await prepareRun(tail ? { connectorId: input.connectorId, kind: 'tail' } : { connectorId: input.connectorId });
  if (prepared.refused !== undefined) {
    progress.phase = 'succeeded';
    return { syncRunId: 0, status: 'refused', reason: prepared.refused };
  }
  progress.syncRunId = prepared.syncRunId;
  for (const s of prepared.streams) progress.streams[s.stream] = { done: false };

  try {
    progress.phase = 'pulling';
    await pullPlannedStreams(prepared, input.connectorId, progress);
    progress.phase = 'finalizing';
    // Once finalize starts it runs to its end, cancel or not, so Temporal and PostgreSQL tell the
    // same outcome: it commits and the workflow completes, or it fails and the run is failed.
    const summary = await CancellationScope.nonCancellable(() => finalizeRun({ syncRunId: prepared.syncRunId }));
    progress.phase = 'succeeded';
    return summary;
  } catch (err) {
    const cancelled = isCancellation(err);
    progress.phase = cancelled ? 'cancelled' : 'failed';
    const { kind, message } = cancelled ? { kind: FailureKind.Cancelled, message: 'the workflow was cancelled before the run committed' } : describeFailure(err);
    // Record the failure even when the workflow itself is being cancelled.
    const recorded = await CancellationScope.nonCancellable(() => failRun({ syncRunId: prepared.syncRunId, kind, message }));
    if (cancelled) throw err;
    const skipped = tail && recorded.failedBy === workflowInfo().runId ? tailPassSkipped(prepared.syncRunId, err, kind, message) : undefined;
    if (skipped) return skipped;
    if (recorded.failedBy !== workflowInfo().runId) {
      // This execution is a reset to a point after the failure was recorded (or after the run's
      // staging was discarded): nothing of the old run is left to resume, so sync afresh.
      log.warn('reset past the recorded failure of a sync run; starting over as a fresh sync', { syncRunId: prepared.syncRunId, kind });
      return await continueAsNew<typeof EntraSyncWorkflow>(input);
    }
    throw ApplicationFailure.create({ type: kind, message: `sync run ${prepared.syncRunId} failed: ${message}`, nonRetryable: true, cause: err as Error });
  }
}

/**
 * Runs each plan entry's activity, as the stream registry declares it: the pulls in parallel,
 * then the reconcile shards of the streams that have no delta (owners, app role assignments).
 */
async function pullPlannedStreams(prepared: PreparedRun, connectorId: string, progress: SyncProgress): Promise<void> {
  const { syncRunId } = prepared;
  const discovery = prepared.discovery ? discoveryActivities(prepared.discovery) : undefined;
  const run: Record<Exclude<PullActivity, 'reconcileShard'>, (stream: PulledStreamName) => Promise<{ pages?: number } | unknown>> = {
    pullDelta: (stream) => pullDelta({ syncRunId, connectorId, stream: stream as DeltaStream }),
    pullFullStream: (stream) => pullFullStream({ syncRunId, connectorId, stream: stream as FullStream }),
    pullAuditEvents: () => pullAuditEvents({ syncRunId, connectorId }),
    pullPermissionGrants: () => onDiscoveryWorker(prepared.discovery, () => discovery!.pullPermissionGrants({ syncRunId, connectorId })),
    pullSignIns: () => onDiscoveryWorker(prepared.discovery, () => discovery!.pullSignIns({ syncRunId, connectorId })),
  };
  const reconciled: PulledStreamName[] = [];
  const pulls: Array<{ stream: PulledStreamName; task: () => Promise<unknown> }> = [];
  for (const { stream } of prepared.streams) {
    const { activity } = PULLED_STREAMS[stream];
    if (activity === 'reconcileShard') {
      reconciled.push(stream);
      continue;
    }
    if ('discovery' in PULLED_STREAMS[stream]) progress.streams[stream] = { done: false, waitingFor: prepared.discovery?.taskQueue };
    pulls.push({
      stream,
      task: async () => {
        const pulled = (await run[activity](stream)) as { pages?: number };
        progress.streams[stream] = { done: true, ...(typeof pulled?.pages === 'number' ? { pages: pulled.pages } : {}) };
      },
    });
  }
  const reconcilePlanned = async (wave?: ReconcileWave) => {
    if (reconciled.length === 0) return;
    await reconcile(syncRunId, connectorId, wave);
    if (wave !== 'deltas') for (const stream of reconciled) progress.streams[stream] = { done: true };
  };
  const isInput = (p: { stream: PulledStreamName }) => RECONCILE_INPUTS.includes(p.stream);
  const tasks = (list: typeof pulls) => list.map((p) => p.task);
  const inputs = pulls.filter(isInput);
  const audit = inputs.filter((p) => p.stream === AUDIT_STREAM);
  // Two lanes: the pulls reconciliation plans from, then reconciliation; and every other pull.
  // Since 1.3.0 the targets the deltas name are read while the audit log is (it only adds targets).
  const reconcileLane =
    patched(RECONCILE_WAVES_PATCH) && audit.length > 0 && reconciled.length > 0
      ? async () => {
          let auditPulled = false;
          let planned = false;
          await inParallel([
            async () => {
              await inParallel(tasks(inputs.filter((p) => p.stream !== AUDIT_STREAM)));
              // The audit log already staged (a quiet tenant): one plan, no second wave to wait for.
              planned = auditPulled;
              await reconcilePlanned(planned ? 'all' : 'deltas');
            },
            async () => {
              await inParallel(tasks(audit));
              auditPulled = true;
            },
          ]);
          if (!planned) await reconcilePlanned('audit');
        }
      : async () => {
          await inParallel(tasks(inputs));
          await reconcilePlanned();
        };
  // A first bootstrap's entitlements need reconciliation's assignments and the groups' memberships,
  // not the users round, which is usually the last to end: they are built while it runs.
  const buildLane =
    prepared.buildsEntitlements && patched(BUILD_ENTITLEMENTS_PATCH)
      ? async () => {
          await reconcileLane();
          // Done as progress shows it (a run without a groups pull has no entry).
          await condition(() => progress.streams.groups?.done ?? true);
          await buildEntitlements({ syncRunId, connectorId });
        }
      : reconcileLane;
  await inParallel([buildLane, () => inParallel(tasks(pulls.filter((p) => !isInput(p))))]);
}

/** Owners and app role assignments have no delta: read them for the inventory as it now stands (or one wave of them). */
async function reconcile(syncRunId: number, connectorId: string, wave?: ReconcileWave): Promise<void> {
  const plan = wave ? await planReconciliationWave({ syncRunId, connectorId, wave }) : await planReconciliation({ syncRunId, connectorId });
  const first = plan.firstShard ?? 0;
  const shards = Array.from({ length: plan.shards }, (_, i) => first + i);
  await inParallel(shards.map((shard) => () => reconcileShard({ syncRunId, connectorId, shard, requestsPerSecond: plan.requestsPerSecondPerShard })));
}

type DiscoveryQueue = { taskQueue: string; startTimeoutMs: number };

/** The discovery worker's activities, on its own task queue. */
function discoveryActivities({ taskQueue, startTimeoutMs }: DiscoveryQueue) {
  return proxyActivities<DiscoveryActivities>({
    taskQueue,
    scheduleToStartTimeout: startTimeoutMs,
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '30 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes', maximumAttempts: 8 },
  });
}

/**
 * Waiting for the discovery worker is bounded: when none picks the work up in time, the run fails
 * saying so instead of hanging.
 */
async function onDiscoveryWorker<T>(queue: DiscoveryQueue | undefined, pull: () => Promise<T>): Promise<T> {
  try {
    return await pull();
  } catch (err) {
    if (queue && err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === 'SCHEDULE_TO_START') {
      throw ApplicationFailure.create({ type: FailureKind.NoDiscoveryWorker, nonRetryable: true, message: noDiscoveryWorkerMessage(queue.taskQueue) });
    }
    throw err;
  }
}

/** Runs activities side by side; the first failure cancels the rest and waits for them to stop writing. */
async function inParallel(tasks: Array<() => Promise<unknown>>): Promise<void> {
  const scope = new CancellationScope();
  const running = tasks.map((task) => scope.run(task));
  try {
    await Promise.all(running);
  } catch (err) {
    scope.cancel();
    await Promise.allSettled(running);
    throw err;
  }
}

/** A tail pass's failure that the tail takes in its stride (TailPassSkipped), or undefined. */
function tailPassSkipped(syncRunId: number, err: unknown, kind: string, reason: string): TailPassSkipped | undefined {
  if (kind === FailureKind.TailPassYielded) return { syncRunId, status: 'yielded', reason };
  if (kind !== FailureKind.TailNeedsFullRun) return undefined;
  const cause = rootCause(err);
  const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as { stream?: string; reason?: string } | undefined) : undefined;
  return {
    syncRunId,
    status: 'needsFullRun',
    reason,
    ...(details?.stream ? { stream: details.stream } : {}),
    ...(details?.reason ? { resyncReason: details.reason } : {}),
  };
}

function rootCause(err: unknown): unknown {
  let cause: unknown = err;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  return cause;
}

function describeFailure(err: unknown): { kind: string; message: string } {
  const cause = rootCause(err);
  if (cause instanceof ApplicationFailure) return { kind: cause.type ?? 'ApplicationFailure', message: cause.message };
  if (cause instanceof Error) return { kind: cause.name, message: cause.message };
  return { kind: 'Unknown', message: String(cause) };
}

