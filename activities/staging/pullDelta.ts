import { cursorUsableAt } from '../graph/cursorOrigin';
import { PULLED_STREAMS, type DeltaStream, type StreamMode } from '../../shared/streams';
import type { ActivityDeps } from '../deps';
import { DeltaResyncRequired, fetchDeltaPage } from '../graph/deltaPages';
import { DELTA_QUERIES, initialDeltaUrl } from '../graph/deltaQueries';
import { clearStagedStream, stagePage } from './stagedObjects';
import { loadPlannedPull, type PlannedPull } from './plannedPulls';
import { readPages, type PageStream } from './pageReader';

export type PullSummary = { stream: DeltaStream; mode: StreamMode; pages: number; staged: number; resyncReason: string | null };

type DeltaState = { mode: StreamMode; resyncReason: string | null; resyncs: number };

const MAX_RESYNCS_PER_PULL = 2;

/** One delta stream into staging: from the committed cursor, or a full round when there is none or Graph drops it. */
export function pullDeltaActivity(deps: ActivityDeps) {
  return async function pullDelta(input: { runId: number; connectorId: string; stream: DeltaStream }): Promise<PullSummary> {
    return readPages(deps, deltaStream(deps, input.stream), input);
  };
}

function deltaStream({ db }: ActivityDeps, stream: DeltaStream): PageStream<DeltaState, PullSummary> {
  const query = DELTA_QUERIES[stream];
  const initial = (graphBaseUrl: string) => [{ what: query.resource, link: initialDeltaUrl(graphBaseUrl, stream) }];
  return {
    stream,
    permission: PULLED_STREAMS[stream].permission,
    async start(connector, syncRunId) {
      const planned = await loadPlannedPull(db, syncRunId, stream);
      if (planned.pulledAt) return { done: summarize(stream, planned) };
      // A cursor minted by another Graph endpoint (the connector was repointed) cannot be replayed.
      const usable = planned.startLink !== null && cursorUsableAt(planned.startLink, connector.graphBaseUrl);
      return {
        sources: usable ? [{ what: query.resource, link: planned.startLink! }] : initial(connector.graphBaseUrl),
        state: { mode: usable ? planned.mode : 'bootstrap', resyncReason: planned.startLink !== null && !usable ? 'graphEndpointChanged' : null, resyncs: 0 },
      };
    },
    clear: (syncRunId) => clearStagedStream(db, syncRunId, stream),
    fetch: fetchDeltaPage,
    stage: (syncRunId, _source, page) => stagePage(db, syncRunId, stream, page.objects),
    async recover(err, progress, connector) {
      if (!(err instanceof DeltaResyncRequired) || progress.state.resyncs >= MAX_RESYNCS_PER_PULL) return undefined;
      const sources = err.restartUrl ? [{ what: query.resource, link: err.restartUrl }] : initial(connector.graphBaseUrl);
      return { restart: { sources, state: { mode: 'bootstrap', resyncReason: err.reason, resyncs: progress.state.resyncs + 1 } } };
    },
    record: ({ state }, last) => ({ mode: state.mode, resyncReason: state.resyncReason, deltaLink: last.deltaLink! }),
    result: (record) => summarize(stream, { mode: record.mode!, resyncReason: record.resyncReason ?? null, ...record }),
  };
}

function summarize(stream: DeltaStream, pull: Pick<PlannedPull, 'mode' | 'pages' | 'staged' | 'resyncReason'>): PullSummary {
  return { stream, mode: pull.mode, pages: pull.pages, staged: pull.staged, resyncReason: pull.resyncReason };
}
