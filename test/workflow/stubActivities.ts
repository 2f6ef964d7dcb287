import { Context } from '@temporalio/activity';
import type { SyncActivities } from '../../activities';
import type { DiscoveryActivities } from '../../activities/discovery';
import { PULLED_STREAMS, type PulledStreamName } from '../../shared/streams';

/** Every activity EntraSyncWorkflow may schedule, with the real names and signatures. */
export type AllActivities = SyncActivities & DiscoveryActivities;
export type ActivityName = keyof AllActivities;
/** taskQueue: where the activity ran, so a test sees discovery activities go to the discovery worker. */
export type ActivityCall = { name: ActivityName; input: unknown; taskQueue: string };

export const RUN_ID = 7;
export const SHARDS = 2;
export const REQUESTS_PER_SECOND = 5;

/** A promise to release from outside: stubs block on these instead of on timers. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** What prepareRun plans: every stream of the registry, the discovery ones only when asked. */
export function planFor(discovery: boolean) {
  return (Object.keys(PULLED_STREAMS) as PulledStreamName[])
    .filter((stream) => discovery || !('discovery' in PULLED_STREAMS[stream]))
    .map((stream) => ({ stream, mode: 'bootstrap' as const }));
}

/** The Temporal run the calling activity works for, as the real activities see it. */
export const currentRun = (): string => Context.current().info.workflowExecution!.runId;

/** Answers of an empty, healthy tenant. */
export const healthy: AllActivities = {
  prepareRun: async () => ({ syncRunId: RUN_ID, streams: planFor(false) }),
  pullDelta: async ({ stream }) => ({ stream, mode: 'bootstrap', pages: 1, staged: 0, resyncReason: null }),
  pullFullStream: async () => ({ assignments: 0 }),
  pullAuditEvents: async () => ({ events: 0 }),
  planReconciliation: async () => ({ shards: SHARDS, requestsPerSecondPerShard: REQUESTS_PER_SECOND }),
  // Each wave's shards after the ones before it, as planTargets numbers them.
  planReconciliationWave: async ({ wave }) => ({ shards: SHARDS, firstShard: wave === 'audit' ? SHARDS : 0, requestsPerSecondPerShard: REQUESTS_PER_SECOND }),
  reconcileShard: async () => ({ targets: 0, gone: 0 }),
  buildEntitlements: async () => ({ built: true, rows: 0 }),
  finalizeRun: async ({ syncRunId }) => ({ syncRunId, status: 'succeeded', streams: {} }),
  // As the real failRun: the row belongs to the run that calls.
  failRun: async () => ({ failedBy: currentRun() }),
  pullPermissionGrants: async () => ({ staged: 0, coverage: 'complete' }),
  pullSignIns: async () => ({ staged: 0, coverage: 'complete' }),
  checkTail: async () => ({
    exists: true,
    enabled: true,
    tailEnabled: true,
    intervalSeconds: 30,
    fullRunRunning: false,
    lastFullCommitAt: null,
    streamsReadAt: {},
  }),
  requestFullRun: async () => ({ requested: 'triggered' }),
  // No ENTRA_NOTIFICATION_URL: nothing to keep, a look every hour.
  manageSubscriptions: async () => ({ state: 'off', nextCheckInSeconds: 3600, recreated: false }),
};

/**
 * The healthy stubs with some overridden, logging every call (name, input, task queue) and
 * appending each activity's name to `events`, where stubs note their own steps too, in order.
 */
export function stubActivities(overrides: Partial<AllActivities> = {}, events: string[] = []) {
  const calls: ActivityCall[] = [];
  const merged = { ...healthy, ...overrides } as Record<ActivityName, (input: never) => Promise<unknown>>;
  const activities = Object.fromEntries(
    Object.entries(merged).map(([name, fn]) => [
      name,
      async (input: never) => {
        calls.push({ name: name as ActivityName, input, taskQueue: Context.current().info.taskQueue });
        events.push(name);
        return fn(input);
      },
    ]),
  ) as unknown as AllActivities;
  const called = (name: ActivityName) => calls.filter((c) => c.name === name);
  return { activities, calls, events, called };
}

/**
 * An activity body that heartbeats until the workflow cancels it, then cleans up (a real pull
 * clears its staging) before it gives up. `cleanupMs` is long enough that a workflow which did
 * not wait for cancellation to complete would visibly act before `<name>:cleaned up`.
 */
export async function blockUntilCancelled(name: string, events: string[], started: () => void, cleanupMs = 300): Promise<never> {
  const ctx = Context.current();
  // Cancellation reaches an activity only with the answer to a heartbeat.
  const beat = setInterval(() => ctx.heartbeat(), 20);
  started();
  const cancellation = await ctx.cancelled.catch((err: unknown) => err);
  clearInterval(beat);
  events.push(`${name}:cancelled`);
  await new Promise((resolve) => setTimeout(resolve, cleanupMs));
  events.push(`${name}:cleaned up`);
  throw cancellation;
}
