import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DISCOVERY_TASK_QUEUE } from '../workflows/taskQueues';
import type { ActivityDeps } from './deps';
import { requireConnector } from './requireConnector';
import { openRun, openTailPass, type StreamPlan } from './store/planRun';
import { DEFAULT_JANITOR_POLICY, sweepRuns } from './store/janitor';
import { FailureKind } from '../shared/failureKinds';
import { killPoint } from './killPoint';
import { heartbeatWhile } from './heartbeatWhile';
import type { RunKind } from '../shared/runKinds';
import { PULLED_STREAMS } from '../shared/streams';
import type { Queryable } from './store/database';
import { hasPartition } from './staging/nextTables';

/** How long a run waits for a discovery worker to pick up its activities before failing. */
export const DEFAULT_DISCOVERY_START_TIMEOUT_MS = 5 * 60_000;

export type PreparedRun = {
  /** The sync_runs row id (syncRunId); named syncRunId in recorded histories, so it stays. */
  syncRunId: number;
  /** Every stream of the registry this run pulls, with its mode; the workflow runs each one's activity. */
  streams: StreamPlan[];
  /** Present when the connector gathers discovery evidence: how long to wait for a discovery worker. */
  discovery?: { startTimeoutMs: number; taskQueue: string };
  /** A tail pass that may not run now (a full run is running, the tail is off): no row was opened. */
  refused?: string;
  /** A connector's first bootstrap: its entitlements are built before finalize (buildEntitlements.ts). */
  buildsEntitlements?: true;
};

export function prepareRunActivity({ db, discoveryStartTimeoutMs, discoveryTaskQueue, executions, janitor }: ActivityDeps) {
  return async function prepareRun(input: { connectorId: string; kind?: RunKind }): Promise<PreparedRun> {
    const kind = input.kind ?? 'full';
    const connector = await requireConnector(db, input.connectorId);
    // A pass of a disabled connector is refused under the connector lock (openTailPass), not failed.
    if (!connector.enabled && kind === 'full') {
      throw ApplicationFailure.create({
        type: FailureKind.ConnectorDisabled,
        nonRetryable: true,
        message: `connector ${connector.id} is disabled; enable it to sync`,
      });
    }
    const execution = Context.current().info.workflowExecution;
    if (!execution) throw new Error('prepareRun runs only inside EntraSyncWorkflow');
    const swept = await heartbeatWhile(() => sweepRuns(db, connector.id, executions, janitor ?? DEFAULT_JANITOR_POLICY));
    if (swept.abandoned.length + swept.discarded.length > 0) log.info('janitor ended earlier runs of the connector', { connectorId: connector.id, ...swept });
    const run = { connectorId: connector.id, workflowId: execution.workflowId, workflowRunId: execution.runId, discovery: connector.discoveryEnabled };
    // Discovery streams are full runs' only (shared/runKinds.ts).
    const opened = kind === 'tail' ? await openTailPass(db, run) : await openRun(db, run);
    if ('refused' in opened) return { syncRunId: 0, streams: [], refused: opened.refused };
    const { syncRunId, streams } = opened;
    killPoint('prepareRun:afterCommit');
    const prepared: PreparedRun = { syncRunId: syncRunId, streams };
    if (kind === 'full' && (await buildsEntitlements(db, connector.id, streams))) prepared.buildsEntitlements = true;
    if (!connector.discoveryEnabled || kind === 'tail') return prepared;
    return {
      ...prepared,
      discovery: {
        startTimeoutMs: discoveryStartTimeoutMs ?? DEFAULT_DISCOVERY_START_TIMEOUT_MS,
        taskQueue: discoveryTaskQueue ?? DISCOVERY_TASK_QUEUE,
      },
    };
  };
}

/**
 * Whether the run's pulls build the users and memberships the connector has no partition of yet
 * (its first bootstrap, docs/bootstrap-swap.md) and it reconciles: then its entitlements can be
 * built before finalize too.
 */
async function buildsEntitlements(db: Queryable, connectorId: string, streams: StreamPlan[]): Promise<boolean> {
  const bootstraps = (stream: string) => streams.some((s) => s.stream === stream && s.mode === 'bootstrap');
  const reconciles = streams.some((s) => PULLED_STREAMS[s.stream].activity === 'reconcileShard');
  return bootstraps('users') && bootstraps('groups') && reconciles && !(await hasPartition(db, 'effective_entitlements', connectorId));
}
