import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  CancellationScope,
  defineQuery,
  patched,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { RunSummary, SyncActivities } from '../activities';
import type { DiscoveryActivities } from '../activities/discovery';
import { FailureKind } from '../shared/failureKinds';

export type EntraSyncInput = { connectorId: string };

export type SyncProgress = {
  phase: 'preparing' | 'pulling' | 'reconciling' | 'finalizing' | 'succeeded' | 'failed';
  runId?: number;
  /** waitingFor: the task queue a stream's activity waits on (the discovery worker's). */
  streams: Record<string, { done: boolean; pages?: number; waitingFor?: string }>;
};

export const progressQuery = defineQuery<SyncProgress>('progress');

const { prepareRun, planReconciliation, finalizeRun, failRun } = proxyActivities<SyncActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** Added after the first recorded histories: owners, assignments, directory roles, audit events. */
export const RELATIONSHIPS_PATCH = 'relationships-v1';
/** Discovery activities on the entra-discovery task queue, for connectors that enable it. */
export const DISCOVERY_PATCH = 'discovery-v1';

export const noDiscoveryWorkerMessage = (taskQueue: string) =>
  `no discovery worker is polling task queue ${taskQueue}; start it with "npm run worker:discovery" ` +
  '(or the discovery-worker service of docker-compose.yml), or turn discovery off for this connector (ENTRA_DISCOVERY_ENABLED=false)';

const { pullDelta, pullDirectoryRoles, pullAuditEvents, reconcileShard } = proxyActivities<SyncActivities>({
  startToCloseTimeout: '4 hours',
  // Short enough to notice a dead worker quickly; pullDelta heartbeats on every page and while waiting.
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes', maximumAttempts: 8 },
});

/**
 * One sync of one connector: prepare, pull every delta stream in parallel into staging,
 * then commit everything in one finalize. On any failure nothing is committed, the run record
 * says why, and the workflow fails visibly so an operator can inspect or reset it.
 */
export async function EntraSyncWorkflow(input: EntraSyncInput): Promise<RunSummary> {
  const progress: SyncProgress = { phase: 'preparing', streams: {} };
  setHandler(progressQuery, () => progress);

  const prepared = await prepareRun({ connectorId: input.connectorId });
  progress.runId = prepared.runId;
  for (const s of prepared.streams) progress.streams[s.stream] = { done: false };

  try {
    progress.phase = 'pulling';
    const { connectorId } = input;
    const { runId } = prepared;
    const relationships = patched(RELATIONSHIPS_PATCH);
    const pulls: Array<() => Promise<unknown>> = prepared.streams.map(({ stream }) => async () => {
      const pull = await pullDelta({ runId, connectorId, stream });
      progress.streams[pull.stream] = { done: true, pages: pull.pages };
    });
    if (relationships) {
      for (const [stream, pull] of [['directoryRoleAssignments', pullDirectoryRoles], ['credentialAuditEvents', pullAuditEvents]] as const) {
        progress.streams[stream] = { done: false };
        pulls.push(async () => {
          await pull({ runId, connectorId });
          progress.streams[stream] = { done: true };
        });
      }
    }
    if (prepared.discovery && patched(DISCOVERY_PATCH)) {
      pulls.push(...discoveryPulls(runId, connectorId, prepared.discovery, progress));
    }
    await inParallel(pulls);
    if (relationships) {
      progress.phase = 'reconciling';
      // Owners and app role assignments have no delta: read them for the inventory as it now stands.
      const plan = await planReconciliation({ runId, connectorId });
      const shards = Array.from({ length: plan.shards }, (_, shard) => shard);
      await inParallel(shards.map((shard) => () => reconcileShard({ runId, connectorId, shard, requestsPerSecond: plan.requestsPerSecondPerShard })));
    }
    progress.phase = 'finalizing';
    const summary = await finalizeRun({ runId: prepared.runId });
    progress.phase = 'succeeded';
    return summary;
  } catch (err) {
    progress.phase = 'failed';
    const { kind, message } = describeFailure(err);
    // Record the failure even when the workflow itself is being cancelled.
    await CancellationScope.nonCancellable(() => failRun({ runId: prepared.runId, kind, message }));
    throw ApplicationFailure.create({ type: kind, message: `sync run ${prepared.runId} failed: ${message}`, nonRetryable: true, cause: err as Error });
  }
}

/**
 * Grants and sign-ins, on the discovery worker's own task queue. Waiting for that worker is
 * bounded: when none picks the work up in time, the run fails saying so instead of hanging.
 */
function discoveryPulls(
  runId: number,
  connectorId: string,
  { taskQueue, startTimeoutMs }: { taskQueue: string; startTimeoutMs: number },
  progress: SyncProgress,
): Array<() => Promise<unknown>> {
  const discovery = proxyActivities<DiscoveryActivities>({
    taskQueue,
    scheduleToStartTimeout: startTimeoutMs,
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '30 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes', maximumAttempts: 8 },
  });
  const sources = [
    ['permissionGrants', discovery.pullPermissionGrants],
    ['signIns', discovery.pullSignIns],
  ] as const;
  return sources.map(([stream, pull]) => async () => {
    progress.streams[stream] = { done: false, waitingFor: taskQueue };
    try {
      await pull({ runId, connectorId });
    } catch (err) {
      if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === 'SCHEDULE_TO_START') {
        throw ApplicationFailure.create({ type: FailureKind.NoDiscoveryWorker, nonRetryable: true, message: noDiscoveryWorkerMessage(taskQueue) });
      }
      throw err;
    }
    progress.streams[stream] = { done: true };
  });
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

function describeFailure(err: unknown): { kind: string; message: string } {
  let cause: unknown = err;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure) return { kind: cause.type ?? 'ApplicationFailure', message: cause.message };
  if (cause instanceof Error) return { kind: cause.name, message: cause.message };
  return { kind: 'Unknown', message: String(cause) };
}

