import { ActivityFailure, ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import type { RunSummary, StreamSummary } from '../activities';
import type { SyncProgress } from '../workflows/entraSync';

/** What `npm start` and `sync --wait` print about one run (`--json` prints it as is). */
export type RunOutcome = {
  status: 'succeeded' | 'failed';
  connectorId: string;
  workflowId: string;
  runId: string;
  syncRunId?: number;
  durationMs: number;
  streams: Record<string, StreamSummary>;
  error?: { kind: string; message: string };
  temporalUiUrl?: string;
};

export function workflowUiUrl(uiUrl: string | undefined, namespace: string, workflowId: string, runId: string): string | undefined {
  if (!uiUrl) return undefined;
  return `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`;
}

/** Waits for a sync run to close and describes how it went. */
export async function awaitRunOutcome(
  client: Client,
  run: { connectorId: string; workflowId: string; runId: string },
  ui: { namespace: string; uiUrl?: string },
  onRetrying?: (line: string) => void,
): Promise<RunOutcome> {
  const handle = client.workflow.getHandle(run.workflowId, run.runId, { followRuns: false });
  const watcher = onRetrying ? setInterval(() => void reportRetries(handle, onRetrying), RETRY_REPORT_MS) : undefined;
  const base = {
    connectorId: run.connectorId,
    workflowId: run.workflowId,
    runId: run.runId,
    temporalUiUrl: workflowUiUrl(ui.uiUrl, ui.namespace, run.workflowId, run.runId),
  };
  try {
    const summary = (await handle.result()) as RunSummary;
    return { status: 'succeeded', ...base, syncRunId: summary.runId, durationMs: await durationOf(handle), streams: summary.streams };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    return { status: 'failed', ...base, durationMs: await durationOf(handle), streams: {}, error: rootCause(err) };
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

async function durationOf(handle: ReturnType<Client['workflow']['getHandle']>): Promise<number> {
  const d = await handle.describe();
  return d.closeTime ? d.closeTime.getTime() - d.startTime.getTime() : Date.now() - d.startTime.getTime();
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
