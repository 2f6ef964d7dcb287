import { ApplicationFailure } from '@temporalio/common';
import { FailureKind } from '../../shared/failureKinds';
import { cursorUsableAt } from '../graph/cursorOrigin';
import { cursorQueryMatches } from '../graph/cursorQuery';
import type { Queryable } from '../store/database';
import { PULLED_STREAMS, type DeltaStream, type StreamMode } from '../../shared/streams';
import type { ActivityDeps } from '../deps';
import { DeltaResyncRequired, fetchDeltaPage } from '../graph/deltaPages';
import { DELTA_QUERIES, initialDeltaUrl } from '../graph/deltaQueries';
import { MalformedMembersDelta, MEMBERS_DELTA } from '../graph/membersDelta';
import { clearStagedStream, stagePage } from './stagedObjects';
import { analyzeNextTables, openNextTables } from './nextTables';
import { loadPlannedPull, type PlannedPull } from './plannedPulls';
import { readPages, type PageStream } from './pageReader';

export type PullSummary = { stream: DeltaStream; mode: StreamMode; pages: number; staged: number; resyncReason: string | null };

type DeltaState = { mode: StreamMode; resyncReason: string | null; resyncs: number; tail: boolean };

const MAX_RESYNCS_PER_PULL = 2;

/** One delta stream into staging: from the committed cursor, or a full round when there is none or Graph drops it. */
export function pullDeltaActivity(deps: ActivityDeps) {
  return async function pullDelta(input: { syncRunId: number; connectorId: string; stream: DeltaStream }): Promise<PullSummary> {
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
      // A cursor minted by another Graph endpoint (the connector was repointed) cannot be replayed;
      // nor one taken with another $select (it would never report what the new query adds).
      const resyncReason =
        planned.startLink === null ? null
        : !cursorUsableAt(planned.startLink, connector.graphBaseUrl) ? 'graphEndpointChanged'
        : !(await cursorTakenWithCurrentQuery(db, connector.id, stream, planned.startLink)) ? 'queryChanged'
        : null;
      const usable = planned.startLink !== null && resyncReason === null;
      const tail = planned.runKind === 'tail';
      if (tail && !usable) throw tailNeedsFullRun(stream, resyncReason ?? 'noCursor');
      return {
        sources: usable ? [{ what: query.resource, link: planned.startLink! }] : initial(connector.graphBaseUrl),
        state: { mode: usable ? planned.mode : 'bootstrap', resyncReason, resyncs: 0, tail },
      };
    },
    // A bootstrap round builds the next tables from its first page (nextTables.ts).
    prepare: (tx, syncRunId, state) => (state.mode === 'bootstrap' ? openNextTables(tx, syncRunId, stream) : Promise.resolve()),
    clear: (tx, syncRunId) => clearStagedStream(tx, syncRunId, stream),
    fetch: fetchDeltaPage,
    async stage(tx, syncRunId, _source, page, _state, number) {
      try {
        return await stagePage(tx, syncRunId, stream, page.objects);
      } catch (err) {
        throw err instanceof MalformedMembersDelta ? malformedMembersFailure(err, number, query.resource) : err;
      }
    },
    async recover(err, progress, connector) {
      // A tail pass does not re-read a whole stream: it asks the tail for a full run instead.
      if (err instanceof DeltaResyncRequired && progress.state.tail) throw tailNeedsFullRun(stream, err.reason);
      if (!(err instanceof DeltaResyncRequired) || progress.state.resyncs >= MAX_RESYNCS_PER_PULL) return undefined;
      // Our own initial query, never the 410's Location: it may lack our $select (docs/graph-behaviour.md).
      const sources = initial(connector.graphBaseUrl);
      return { restart: { sources, state: { mode: 'bootstrap', resyncReason: err.reason, resyncs: progress.state.resyncs + 1, tail: false } } };
    },
    complete: (syncRunId) => analyzeNextTables(db, syncRunId, stream),
    record: ({ state }, last) => ({ mode: state.mode, resyncReason: state.resyncReason, deltaLink: last.deltaLink! }),
    result: (record) => summarize(stream, { mode: record.mode!, resyncReason: record.resyncReason ?? null, ...record }),
  };
}

/**
 * Whether the committed cursor this run starts from was taken with today's $select. A cursor that
 * moved on since the run was planned is left to finalize, which refuses the run (CursorConflict).
 */
async function cursorTakenWithCurrentQuery(db: Queryable, connectorId: string, stream: DeltaStream, startLink: string): Promise<boolean> {
  const { rows } = await db.query<{ querySelect: string | null }>(
    'select query_select as "querySelect" from delta_cursors where connector_id = $1 and stream = $2 and delta_link = $3',
    [connectorId, stream, startLink],
  );
  return rows.length === 0 || cursorQueryMatches(stream, rows[0]!.querySelect);
}

/** What a tail pass fails with when its stream must be read again whole; details name the stream and why. */
export type TailNeedsFullRunDetails = { stream: DeltaStream; reason: string };

function tailNeedsFullRun(stream: DeltaStream, reason: string): ApplicationFailure {
  const why = reason === 'syncStateNotFound' || reason === 'resyncRequired' ? `the delta token of ${stream} expired (${reason})` : `${stream} must be read again whole (${reason})`;
  const details: TailNeedsFullRunDetails = { stream, reason };
  return ApplicationFailure.create({
    type: FailureKind.TailNeedsFullRun,
    nonRetryable: true,
    message: `${why}; a tail pass does not re-read a whole stream, so it asked for a full run`,
    details: [details],
  });
}

/** Fails the run for good, naming the group, the page and the fault: staging nothing of it is safer than guessing. */
function malformedMembersFailure(err: MalformedMembersDelta, page: number, resource: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureKind.GraphBadResponse,
    nonRetryable: true,
    message:
      `Microsoft Graph returned page ${page} of ${resource} where ${err.message}; the run stops and commits nothing ` +
      `(staging the group without that list would drop its ${err.property === MEMBERS_DELTA ? 'memberships' : 'owners'}). The next run reads the same changes again from the unchanged cursor; ` +
      `if this repeats, check what answers at ENTRA_GRAPH_BASE_URL (a proxy rewriting responses) or open a Microsoft support case naming group ${err.groupId}.`,
  });
}

function summarize(stream: DeltaStream, pull: Pick<PlannedPull, 'mode' | 'pages' | 'staged' | 'resyncReason'>): PullSummary {
  return { stream, mode: pull.mode, pages: pull.pages, staged: pull.staged, resyncReason: pull.resyncReason };
}
