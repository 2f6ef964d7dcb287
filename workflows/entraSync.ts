import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { PullSummary, RunSummary, SyncActivities } from '../activities';

export type EntraSyncInput = { connectorId: string };

export type SyncProgress = {
  phase: 'preparing' | 'pulling' | 'finalizing' | 'succeeded' | 'failed';
  runId?: number;
  streams: Record<string, { done: boolean; pages?: number }>;
};

export const progressQuery = defineQuery<SyncProgress>('progress');

const { prepareRun, finalizeRun, failRun } = proxyActivities<SyncActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});

const { pullDelta } = proxyActivities<SyncActivities>({
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
    await pullAll(input.connectorId, prepared.runId, prepared.streams.map((s) => s.stream), (pull) => {
      progress.streams[pull.stream] = { done: true, pages: pull.pages };
    });
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

/** Pulls all streams; the first failure cancels the others and waits for them to stop writing. */
async function pullAll(
  connectorId: string,
  runId: number,
  streams: PullSummary['stream'][],
  onPulled: (pull: PullSummary) => void,
): Promise<void> {
  const scope = new CancellationScope();
  const pulls = streams.map((stream) =>
    scope.run(() => pullDelta({ runId, connectorId, stream })).then((pull) => {
      onPulled(pull);
      return pull;
    }),
  );
  try {
    await Promise.all(pulls);
  } catch (err) {
    scope.cancel();
    await Promise.allSettled(pulls);
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

