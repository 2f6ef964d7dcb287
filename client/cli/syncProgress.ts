import cliProgress from 'cli-progress';
import type { Client } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import type { SyncProgress } from '../../workflows/entraSync';

export type StreamView = { stream: string; state: 'pending' | 'pulling' | 'done'; pages: number; objects?: number };
export type ProgressView = { phase: SyncProgress['phase'] | 'starting'; streams: StreamView[]; closed?: boolean; retrying: string[] };

const POLL_MS = 500;
const NAME_WIDTH = 26;
const QUERY_TIMEOUT_MS = 3_000;

/**
 * Reads how far a run is: the workflow's `progress` query (phase; streams done, with pages),
 * and for streams still pulling, the page and object counts of their last heartbeat.
 */
export async function readProgress(client: Client, workflowId: string, workflowRunId: string): Promise<ProgressView & { closed: boolean }> {
  const handle = client.workflow.getHandle(workflowId, workflowRunId);
  const described = await handle.describe();
  const closed = described.status.name !== 'RUNNING';
  // Loaded here, not at start: only `sync --wait` needs the workflow module.
  const { progressQuery } = await import('../../workflows/entraSync');
  const progress = closed ? undefined : await withTimeout(handle.query(progressQuery), QUERY_TIMEOUT_MS).catch(() => undefined);
  const live = new Map<string, { pages: number; objects: number }>();
  const retrying: string[] = [];
  for (const activity of described.raw.pendingActivities ?? []) {
    if ((activity.attempt ?? 1) > 1 && activity.lastFailure?.message) {
      retrying.push(`${activity.activityType?.name} is retrying (attempt ${activity.attempt}): ${activity.lastFailure.message}`);
    }
    if (!activity.heartbeatDetails?.payloads?.length) continue;
    const [details] = (await decodeArrayFromPayloads(client.options.loadedDataConverter, activity.heartbeatDetails.payloads).catch(() => [])) as {
      stream?: unknown;
      pages?: number;
      staged?: number;
    }[];
    // Every pull heartbeats its stream's name (activities/staging/pageReader.ts).
    if (typeof details?.stream === 'string') live.set(details.stream, { pages: details.pages ?? 0, objects: details.staged ?? 0 });
  }
  const names = progress ? Object.keys(progress.streams) : [];
  const streams = names.map((stream): StreamView => {
    const s = progress!.streams[stream]!;
    if (s.done) return { stream, state: 'done', pages: s.pages ?? 0 };
    // Heartbeats reach the server at most every 24 s: counts of a pulling stream lag behind.
    const l = live.get(stream);
    return l ? { stream, state: 'pulling', pages: l.pages, objects: l.objects } : { stream, state: 'pending', pages: 0 };
  });
  const phase = closed ? (described.status.name === 'COMPLETED' ? 'succeeded' : 'failed') : (progress?.phase ?? 'starting');
  return { phase, streams, closed, retrying: [...new Set(retrying)] };
}

/**
 * Shows a run's progress until it closes: a bar per stream on a terminal, else one line per
 * change (logs and CI stay readable). Writes to stderr; the summary goes to stdout afterwards.
 */
export async function followProgress(client: Client, workflowId: string, workflowRunId: string, tty = Boolean(process.stderr.isTTY)): Promise<void> {
  const render = tty ? barRenderer() : lineRenderer();
  try {
    for (;;) {
      const view = await readProgress(client, workflowId, workflowRunId).catch(() => undefined);
      if (view) render.update(view);
      if (!view || view.closed) return;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    render.stop();
  }
}

type Renderer = { update(view: ProgressView): void; stop(): void };

function barRenderer(): Renderer {
  const multibar = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: ' {name} |{bar}| {state} {detail}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  let phaseBar: cliProgress.SingleBar | undefined;
  const logged = new Set<string>();
  return {
    update(view) {
      for (const line of view.retrying.filter((l) => !logged.has(l))) {
        logged.add(line);
        multibar.log(`${line}\n`);
      }
      phaseBar ??= multibar.create(1, 0, { name: 'run'.padEnd(NAME_WIDTH), state: view.phase, detail: '' });
      phaseBar.update(view.phase === 'succeeded' || view.phase === 'failed' ? 1 : 0, { state: view.phase });
      if (view.closed && view.phase === 'succeeded') for (const bar of bars.values()) bar.update(1, { state: 'done    ' });
      for (const s of view.streams) {
        let bar = bars.get(s.stream);
        if (!bar) bars.set(s.stream, (bar = multibar.create(1, 0, { name: s.stream.padEnd(NAME_WIDTH) })));
        const detail = s.state === 'done' || s.pages > 0 ? `${s.pages} pages${s.objects !== undefined ? `, ${s.objects} objects so far` : ''}` : '';
        bar.update(s.state === 'done' ? 1 : 0, { state: s.state.padEnd(8), detail });
      }
    },
    stop: () => multibar.stop(),
  };
}

function lineRenderer(): Renderer {
  const said = new Map<string, string>();
  const say = (key: string, line: string) => {
    if (said.get(key) === line) return;
    said.set(key, line);
    process.stderr.write(`${line}\n`);
  };
  return {
    update(view) {
      say('phase', `  phase: ${view.phase}`);
      for (const line of view.retrying) say(line.split(':')[0]!, `  ${line}`);
      for (const s of view.streams) {
        // One line when a stream is done: a log, not a flood.
        if (s.state === 'done') say(s.stream, `  ${s.stream}: done, ${s.pages} pages`);
      }
    },
    stop: () => undefined,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
