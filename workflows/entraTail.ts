import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  executeChild,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ManageSubscriptionsResult, RunSummary, SyncActivities, TailCheck } from '../activities';
import type { SyncResult, TailPassSkipped } from './entraSync';
import { tailWorkflowId } from './ids';

/** Asks for a pass now; triggers that arrive during a pass coalesce into one next pass. */
export const triggerSignal = defineSignal<[{ reason: string }]>('trigger');

export type TailPassOutcome = 'committed' | TailPassSkipped['status'] | 'failed';

export type TailPassRecord = {
  syncRunId: number;
  outcome: TailPassOutcome;
  startedAt: string;
  finishedAt: string;
  /** Rows upserted and removed, over every stream of the pass (committed passes). */
  changes: number;
  /** Why it did not commit. */
  reason?: string;
};

export type TailStatus = {
  state: 'waiting' | 'passing' | 'paused' | 'stopping';
  pausedReason?: string;
  lastPass?: TailPassRecord;
  /** Passes run by this tail, over continue-as-new. */
  passes: number;
  triggersWaiting: number;
  /** The pass in flight: its workflow id and when it started (a stuck pass shows here). */
  currentPass?: { workflowId: string; startedAt: string };
  intervalSeconds: number;
  /** Per stream a pass reads: when a committed run last read it (lag = now - this). */
  streamsReadAt: Record<string, string>;
  /** Passes that failed in a row (the tail backs off: docs/run-lifecycle.md). */
  consecutiveFailures: number;
  /** Its Graph subscriptions as last managed (docs/notifications.md); `entra-sync tail status` shows the reasons. */
  notifications?: { state: ManageSubscriptionsResult['state'] | 'unknown'; nextCheckAt?: string; error?: string };
};

export const tailStatusQuery = defineQuery<TailStatus>('tailStatus');

/** What a tail carries over continue-as-new. */
export type TailCarried = {
  passes: number;
  triggersWaiting: number;
  lastPass?: TailPassRecord;
  consecutiveFailures: number;
  /** A pass needed a full run: the tail waits until a full run commits after `since`. */
  waitingForFullRun?: { stream: string; reason: string; since: string };
  /** When the subscriptions are next looked after (ISO); absent: at once. */
  subscriptionsDueAt?: string;
};

export type EntraTailInput = {
  connectorId: string;
  /** Passes per execution before continue-as-new (bounds the history); tests set it small. */
  passesPerExecution?: number;
  carried?: TailCarried;
};

export type TailEnd = { passes: number; stoppedBecause: string };

const DEFAULT_PASSES_PER_EXECUTION = 200;
/** The longest a tail backs off after failed passes. */
const MAX_BACKOFF_SECONDS = 15 * 60;

const { checkTail, requestFullRun } = proxyActivities<SyncActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** The tail keeps its connector's Graph subscriptions (1.2.0); histories from before replay without. */
export const SUBSCRIPTIONS_PATCH = 'tail-manages-subscriptions';
/** Bounded: a tail must not hang on Graph; what failed is tried again after SUBSCRIPTIONS_RETRY_SECONDS. */
const { manageSubscriptions } = proxyActivities<SyncActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
});
const SUBSCRIPTIONS_RETRY_SECONDS = 300;
/** Triggers that arrive while a full run runs are kept for the pass after it (1.2.0); before, they counted as seen. */
export const PAUSED_TRIGGERS_PATCH = 'tail-keeps-triggers-during-full-run';
/** While a full run runs and triggers wait, how often the tail looks whether it ended. */
const FULL_RUN_POLL_SECONDS = 2;
/** A trigger whose reason starts so has the tail look at its subscriptions before the pass. */
export const LIFECYCLE_REASON = 'lifecycle notification';

/**
 * A connector's tail (docs/run-lifecycle.md): runs one tail pass (a child EntraSyncWorkflow of kind
 * `tail`) whenever a trigger is pending or its backstop interval passed, pauses while a full run
 * is running, and ends when the connector is disabled, removed or has its tail turned off.
 */
export async function EntraTailWorkflow(input: EntraTailInput): Promise<TailEnd> {
  const carried: TailCarried = input.carried ?? { passes: 0, triggersWaiting: 0, consecutiveFailures: 0 };
  const status: TailStatus = {
    state: 'waiting',
    passes: carried.passes,
    triggersWaiting: carried.triggersWaiting,
    intervalSeconds: 0,
    streamsReadAt: {},
    consecutiveFailures: carried.consecutiveFailures,
    ...(carried.lastPass ? { lastPass: carried.lastPass } : {}),
  };
  setHandler(tailStatusQuery, () => status);
  const managing = patched(SUBSCRIPTIONS_PATCH);
  const keepsPausedTriggers = patched(PAUSED_TRIGGERS_PATCH);
  let pausedByFullRun = false;
  // Each trigger counts; a pass takes all that arrived before it started.
  let received = carried.triggersWaiting;
  let consumed = 0;
  let seen = 0;
  // A lifecycle notification (reauthorizationRequired) asks the manager to act before the pass.
  let lifecycleWaiting = false;
  setHandler(triggerSignal, (trigger) => {
    received += 1;
    status.triggersWaiting = received - consumed;
    if (trigger?.reason?.startsWith(LIFECYCLE_REASON)) lifecycleWaiting = true;
  });
  let subscriptionsDueAt = carried.subscriptionsDueAt ? Date.parse(carried.subscriptionsDueAt) : 0;
  /** Looks after the subscriptions; true when one was recreated (a pass must follow). */
  const upkeepSubscriptions = async (ending = false): Promise<boolean> => {
    lifecycleWaiting = false;
    try {
      const result = await manageSubscriptions({ connectorId: input.connectorId, ...(ending ? { ending } : {}) });
      subscriptionsDueAt = Date.now() + result.nextCheckInSeconds * 1000;
      status.notifications = { state: result.state, nextCheckAt: new Date(subscriptionsDueAt).toISOString() };
      return result.recreated;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      subscriptionsDueAt = Date.now() + SUBSCRIPTIONS_RETRY_SECONDS * 1000;
      status.notifications = { state: 'unknown', nextCheckAt: new Date(subscriptionsDueAt).toISOString(), error: err.cause?.message ?? err.message };
      return false;
    }
  };
  /** Waits for a trigger or the backstop; the subscriptions' timer and lifecycle notifications are served meanwhile without a pass. */
  const waitForPass = async (wake: () => boolean, timeoutMs: number): Promise<void> => {
    const passAt = Date.now() + timeoutMs;
    for (;;) {
      const until = Math.min(passAt, subscriptionsDueAt);
      const woke = await condition(() => wake() || lifecycleWaiting, Math.max(1, until - Date.now()));
      if ((woke && wake()) || Date.now() >= passAt) return;
      if (!woke && Date.now() < subscriptionsDueAt) continue;
      if (await upkeepSubscriptions()) return;
    }
  };
  let waitingForFullRun = carried.waitingForFullRun;
  const passesPerExecution = input.passesPerExecution ?? DEFAULT_PASSES_PER_EXECUTION;
  let passesThisExecution = 0;
  // A new tail passes at once; a continued one waits as it would have before continuing.
  let firstLoop = input.carried === undefined;
  const continueAsNewCarrying = () =>
    continueAsNew<typeof EntraTailWorkflow>({
      ...input,
      carried: {
        passes: status.passes,
        triggersWaiting: received - consumed,
        consecutiveFailures: status.consecutiveFailures,
        ...(status.lastPass ? { lastPass: status.lastPass } : {}),
        ...(waitingForFullRun ? { waitingForFullRun } : {}),
        ...(managing && Number.isFinite(subscriptionsDueAt) ? { subscriptionsDueAt: new Date(subscriptionsDueAt).toISOString() } : {}),
      },
    });

  for (;;) {
    if (!firstLoop) {
      // A trigger wakes the tail at once, except while it backs off after failed passes.
      const backoff = backoffSeconds(status);
      // A change notified during a full run may be newer than what the full run read: the tail
      // looks every few seconds until the full run ended and then passes, not at the backstop.
      const polling = keepsPausedTriggers && backoff === undefined && pausedByFullRun && received > consumed;
      const wake = backoff === undefined && !polling ? () => received > seen : () => false;
      const waitSeconds = polling ? Math.min(FULL_RUN_POLL_SECONDS, status.intervalSeconds) : (backoff ?? status.intervalSeconds);
      if (managing) await waitForPass(wake, waitSeconds * 1000);
      else await condition(wake, waitSeconds * 1000);
    }
    firstLoop = false;
    seen = received;
    const check = await checkTail({ connectorId: input.connectorId });
    status.intervalSeconds = check.intervalSeconds;
    status.streamsReadAt = check.streamsReadAt;
    const stop = stopReason(check);
    if (stop) {
      status.state = 'stopping';
      // Deleted while the connector's credentials still exist (`connector remove` waits for this).
      if (managing) await upkeepSubscriptions(true);
      return { passes: status.passes, stoppedBecause: stop };
    }
    // A recreated subscription needs no extra step: the pass below reads what it may have missed.
    if (managing && (lifecycleWaiting || Date.now() >= subscriptionsDueAt)) await upkeepSubscriptions();
    if (waitingForFullRun && check.lastFullCommitAt && check.lastFullCommitAt > waitingForFullRun.since) waitingForFullRun = undefined;
    if (waitingForFullRun) {
      pause(status, `waiting for a full run to re-read ${waitingForFullRun.stream} (${describeResync(waitingForFullRun.reason)})`);
      continue;
    }
    pausedByFullRun = check.fullRunRunning;
    if (check.fullRunRunning) {
      pause(status, 'a full run is running; passes resume after it ends');
      if (keepsPausedTriggers && workflowInfo().continueAsNewSuggested) return await continueAsNewCarrying();
      continue;
    }
    consumed = received;
    status.triggersWaiting = 0;
    const record = await runPass(input.connectorId, status);
    status.lastPass = record.pass;
    status.passes += 1;
    passesThisExecution += 1;
    status.consecutiveFailures = record.pass.outcome === 'failed' ? status.consecutiveFailures + 1 : 0;
    status.triggersWaiting = received - consumed;
    if (record.needsFullRun) {
      waitingForFullRun = { ...record.needsFullRun, since: record.pass.finishedAt };
      await requestFullRun({ connectorId: input.connectorId });
      pause(status, `waiting for a full run to re-read ${waitingForFullRun.stream} (${describeResync(waitingForFullRun.reason)})`);
    } else if (status.consecutiveFailures > 0) {
      pause(status, `the last pass failed (${record.pass.reason ?? 'unknown'}); the next one in ${backoffSeconds(status)}s`);
    } else {
      status.state = 'waiting';
      delete status.pausedReason;
    }
    if (workflowInfo().continueAsNewSuggested || passesThisExecution >= passesPerExecution) return await continueAsNewCarrying();
  }
}

function stopReason(check: TailCheck): string | undefined {
  if (!check.exists) return 'the connector was removed';
  if (!check.enabled) return 'the connector is disabled';
  if (!check.tailEnabled) return 'the tail was turned off';
  return undefined;
}

function pause(status: TailStatus, reason: string): void {
  status.state = 'paused';
  status.pausedReason = reason;
}

function describeResync(reason: string): string {
  return reason === 'syncStateNotFound' || reason === 'resyncRequired' ? 'delta token expired' : reason;
}

/** After failed passes: the interval doubled per failure beyond the first, at most 15 minutes. */
function backoffSeconds(status: TailStatus): number | undefined {
  if (status.consecutiveFailures === 0) return undefined;
  return Math.min(MAX_BACKOFF_SECONDS, status.intervalSeconds * 2 ** (status.consecutiveFailures - 1));
}

type PassEnd = { pass: TailPassRecord; needsFullRun?: { stream: string; reason: string } };

/** One pass, as a child workflow: the janitor, the run's owner and claim, and the Web UI see a sync run like any other. */
async function runPass(connectorId: string, status: TailStatus): Promise<PassEnd> {
  const workflowId = `${tailWorkflowId(connectorId)}-pass-${status.passes + 1}`;
  const startedAt = new Date().toISOString();
  status.state = 'passing';
  delete status.pausedReason;
  status.currentPass = { workflowId, startedAt };
  try {
    const result = await executeChild('EntraSyncWorkflow', { workflowId, args: [{ connectorId, kind: 'tail' }] }) as SyncResult;
    const finishedAt = new Date().toISOString();
    if (result.status === 'succeeded') return { pass: { syncRunId: result.syncRunId, outcome: 'committed', startedAt, finishedAt, changes: changesOf(result) } };
    const pass: TailPassRecord = { syncRunId: result.syncRunId, outcome: result.status, startedAt, finishedAt, changes: 0, reason: result.reason };
    if (result.status === 'needsFullRun') return { pass, needsFullRun: { stream: result.stream ?? 'a stream', reason: result.resyncReason ?? result.reason } };
    return { pass };
  } catch (err) {
    if (!(err instanceof ChildWorkflowFailure)) throw err;
    const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
    const reason = cause ? `${cause.type ?? 'ApplicationFailure'}: ${cause.message}` : (err.cause?.message ?? err.message);
    return { pass: { syncRunId: 0, outcome: 'failed', startedAt, finishedAt: new Date().toISOString(), changes: 0, reason } };
  } finally {
    delete status.currentPass;
  }
}

function changesOf(summary: RunSummary): number {
  return Object.values(summary.streams).reduce((n, s) => n + s.upserted + s.removed, 0);
}
