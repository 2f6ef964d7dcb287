import { ApplicationFailure } from '@temporalio/common';
import { FailureKind } from '../../shared/failureKinds';
import { cursorUsableAt } from '../graph/cursorOrigin';
import { PULLED_STREAMS, type DeltaStream, type StreamMode } from '../../shared/streams';
import type { ActivityDeps } from '../deps';
import { DeltaResyncRequired, fetchDeltaPage } from '../graph/deltaPages';
import { DELTA_QUERIES, initialDeltaUrl } from '../graph/deltaQueries';
import { MalformedMembersDelta } from '../graph/membersDelta';
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
      // A cursor minted by another Graph endpoint (the connector was repointed) cannot be replayed.
      const usable = planned.startLink !== null && cursorUsableAt(planned.startLink, connector.graphBaseUrl);
      return {
        sources: usable ? [{ what: query.resource, link: planned.startLink! }] : initial(connector.graphBaseUrl),
        state: { mode: usable ? planned.mode : 'bootstrap', resyncReason: planned.startLink !== null && !usable ? 'graphEndpointChanged' : null, resyncs: 0 },
      };
    },
    clear: (syncRunId) => clearStagedStream(db, syncRunId, stream),
    fetch: fetchDeltaPage,
    async stage(syncRunId, _source, page, _state, number) {
      try {
        return await stagePage(db, syncRunId, stream, page.objects);
      } catch (err) {
        throw err instanceof MalformedMembersDelta ? malformedMembersFailure(err, number, query.resource) : err;
      }
    },
    async recover(err, progress, connector) {
      if (!(err instanceof DeltaResyncRequired) || progress.state.resyncs >= MAX_RESYNCS_PER_PULL) return undefined;
      // Our own initial query, never the 410's Location: it may lack our $select (docs/graph-behaviour.md).
      const sources = initial(connector.graphBaseUrl);
      return { restart: { sources, state: { mode: 'bootstrap', resyncReason: err.reason, resyncs: progress.state.resyncs + 1 } } };
    },
    record: ({ state }, last) => ({ mode: state.mode, resyncReason: state.resyncReason, deltaLink: last.deltaLink! }),
    result: (record) => summarize(stream, { mode: record.mode!, resyncReason: record.resyncReason ?? null, ...record }),
  };
}

/** Fails the run for good, naming the group, the page and the fault: staging nothing of it is safer than guessing. */
function malformedMembersFailure(err: MalformedMembersDelta, page: number, resource: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureKind.GraphBadResponse,
    nonRetryable: true,
    message:
      `Microsoft Graph returned page ${page} of ${resource} where ${err.message}; the run stops and commits nothing ` +
      `(staging those members without it would drop the group's memberships). The next run reads the same changes again from the unchanged cursor; ` +
      `if this repeats, check what answers at ENTRA_GRAPH_BASE_URL (a proxy rewriting responses) or open a Microsoft support case naming group ${err.groupId}.`,
  });
}

function summarize(stream: DeltaStream, pull: Pick<PlannedPull, 'mode' | 'pages' | 'staged' | 'resyncReason'>): PullSummary {
  return { stream, mode: pull.mode, pages: pull.pages, staged: pull.staged, resyncReason: pull.resyncReason };
}
