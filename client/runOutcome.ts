import { ActivityFailure, ApplicationFailure, TerminatedFailure, WorkflowContinuedAsNewError, WorkflowFailedError, type Client } from '@temporalio/client';
import type { RunSummary, StreamSummary } from '../activities';
import type { SyncProgress } from '../workflows/entraSync';
import { resetOf, type RunReset } from './runResets';

/** What `npm start` and `sync --wait` print about one run (`--json` prints it as is). */
export type RunOutcome = {
  status: 'succeeded' | 'failed';
  connectorId: string;
  workflowId: string;
  /** The execution that ended the run: the first one, or the last a reset started. */
  workflowRunId: string;
  syncRunId?: number;
  durationMs: number;
  streams: Record<string, StreamSummary>;
  error?: { kind: string; message: string };
  temporalUiUrl?: string;
  /** The resets the run went through, oldest first (absent when none). */
  resets?: RunReset[];
};

export function workflowUiUrl(uiUrl: string | undefined, namespace: string, workflowId: string, workflowRunId: string): string | undefined {
  if (!uiUrl) return undefined;
  return `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${workflowRunId}/history`;
}

/**
 * Waits for a sync run to close and describes how it went. A run reset meanwhile (from the Web
 * UI) is followed to the execution that ends it: the reset terminated the execution awaited.
 */
export async function awaitRunOutcome(
  client: Client,
  run: { connectorId: string; workflowId: string; workflowRunId: string },
  ui: { namespace: string; uiUrl?: string },
  note?: (line: string) => void,
): Promise<RunOutcome> {
  const started = (await client.workflow.getHandle(run.workflowId, run.workflowRunId).describe()).startTime;
  const resets: RunReset[] = [];
  for (let workflowRunId = run.workflowRunId; ; ) {
    const outcome = await awaitExecution(client, { ...run, workflowRunId }, ui, started, note);
    if ('continuedAs' in outcome) {
      // A reset past the point a run can resume from continues as new (docs/run-lifecycle.md).
      workflowRunId = outcome.continuedAs;
      continue;
    }
    const reset = outcome.terminated ? await resetOf(client, run.workflowId, workflowRunId) : undefined;
    if (!reset) return { ...outcome.result, ...(resets.length ? { resets } : {}) };
    resets.push(reset);
    note?.(`  ${run.workflowId} was reset from event ${reset.fromEventId}; following run ${reset.workflowRunId}`);
    workflowRunId = reset.workflowRunId;
  }
}

/** One execution to its close; `terminated` when something ended it from outside (a reset does), `continuedAs` the execution it continued as. */
async function awaitExecution(
  client: Client,
  run: { connectorId: string; workflowId: string; workflowRunId: string },
  ui: { namespace: string; uiUrl?: string },
  started: Date,
  note?: (line: string) => void,
): Promise<{ result: RunOutcome; terminated: boolean } | { continuedAs: string }> {
  const handle = client.workflow.getHandle(run.workflowId, run.workflowRunId, { followRuns: false });
  const watcher = note ? setInterval(() => void reportRetries(handle, note), RETRY_REPORT_MS) : undefined;
  const base = {
    connectorId: run.connectorId,
    workflowId: run.workflowId,
    workflowRunId: run.workflowRunId,
    temporalUiUrl: workflowUiUrl(ui.uiUrl, ui.namespace, run.workflowId, run.workflowRunId),
  };
  try {
    const summary = (await handle.result()) as RunSummary;
    return { result: { status: 'succeeded', ...base, syncRunId: summary.syncRunId, durationMs: await durationOf(handle, started), streams: summary.streams }, terminated: false };
  } catch (err) {
    if (err instanceof WorkflowContinuedAsNewError) return { continuedAs: err.newExecutionRunId };
    if (!(err instanceof WorkflowFailedError)) throw err;
    const result: RunOutcome = { status: 'failed', ...base, durationMs: await durationOf(handle, started), streams: {}, error: rootCause(err) };
    return { result, terminated: err.cause instanceof TerminatedFailure };
  } finally {
    clearInterval(watcher);
  }
}

const RETRY_REPORT_MS = 10_000;
/** PendingActivityState.STARTED */
const STARTED = 2;

/** A run that retries is not stuck: say which activity retries and why, while it does. */
async function reportRetries(handle: ReturnType<Client['workflow']['getHandle']>, say: (line: string) => void): Promise<void> {
  const d = await handle.describe().catch(() => undefined);
  // Streams whose activity no worker has picked up yet (the discovery worker's queue, typically).
  const progress = await handle.query<SyncProgress>('progress').catch(() => undefined);
  for (const [stream, state] of Object.entries(progress?.streams ?? {})) {
    const started = (d?.raw.pendingActivities ?? []).some((a) => Number(a.state) === STARTED && a.activityType?.name?.toLowerCase().includes(stream.toLowerCase()));
    if (!state.done && state.waitingFor && !started) {
      say(`  ${stream} is waiting for a worker polling task queue ${state.waitingFor}; is the discovery worker running (npm run worker:discovery)?`);
    }
  }
  for (const a of d?.raw.pendingActivities ?? []) {
    if ((a.attempt ?? 1) > 1 && a.lastFailure?.message) {
      say(`  ${a.activityType?.name} is retrying (attempt ${a.attempt}): ${a.lastFailure.message}`);
    }
  }
}

/** From the run's first start (a reset execution keeps running the same sync) to the execution's close. */
async function durationOf(handle: ReturnType<Client['workflow']['getHandle']>, started: Date): Promise<number> {
  const d = await handle.describe();
  return (d.closeTime ?? new Date()).getTime() - started.getTime();
}

/** The workflow wraps the failing activity's error; the operator wants the innermost one. */
function rootCause(err: WorkflowFailedError): { kind: string; message: string } {
  let cause: unknown = err.cause;
  let best: { kind: string; message: string } | undefined;
  while (cause) {
    if (cause instanceof ApplicationFailure) best = { kind: cause.type ?? 'ApplicationFailure', message: cause.message };
    if (!(cause instanceof ApplicationFailure) && !(cause instanceof ActivityFailure)) break;
    cause = (cause as Error & { cause?: unknown }).cause;
  }
  return best ?? { kind: 'WorkflowFailed', message: err.message };
}
