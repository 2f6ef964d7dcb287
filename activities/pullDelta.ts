import { Context } from '@temporalio/activity';
import type { DeltaStream, StreamMode } from '../workflows/streams';
import { DELTA_QUERIES, initialDeltaUrl } from './graph/deltaQueries';
import { DeltaResyncRequired, fetchDeltaPage } from './graph/deltaPages';
import { activityWait, toGraphFailure } from './graphActivity';
import type { ActivityDeps } from './deps';
import { requireConnector } from './requireConnector';
import { clearStagedStream, stagePage } from './store/staging';
import { loadStreamPull, recordStreamPull, type StreamPull } from './store/runs';

/** Heartbeat details: enough to resume at the next page instead of page 1. */
export type PullProgress = {
  link: string;
  mode: StreamMode;
  resyncReason: string | null;
  pages: number;
  staged: number;
  requests: number;
  throttled: number;
};

export type PullSummary = { stream: DeltaStream; mode: StreamMode; pages: number; staged: number; resyncReason: string | null };

const MAX_RESYNCS_PER_PULL = 2;
const GRAPH_ATTEMPTS_PER_PAGE = 6;

export function pullDeltaActivity({ db, graph }: ActivityDeps) {
  return async function pullDelta(input: { runId: number; connectorId: string; stream: DeltaStream }): Promise<PullSummary> {
    const { runId, stream } = input;
    const ctx = Context.current();
    const planned = await loadStreamPull(db, runId, stream);
    if (planned.pulledAt) return summarize(stream, planned);

    const connector = await requireConnector(db, input.connectorId);
    const query = DELTA_QUERIES[stream];
    const session = await graph.open(connector, query.permission);
    const initialUrl = initialDeltaUrl(connector.graphBaseUrl, stream);

    let progress = ctx.info.heartbeatDetails as PullProgress | undefined;
    if (!progress) {
      // A fresh attempt starts over: whatever an earlier attempt staged may be from another round.
      await clearStagedStream(db, runId, stream);
      // A cursor minted by another Graph endpoint (the connector was repointed) cannot be replayed.
      const usable = planned.startLink !== null && sameOrigin(planned.startLink, connector.graphBaseUrl);
      progress = {
        link: usable ? planned.startLink! : initialUrl,
        mode: usable ? planned.mode : 'bootstrap',
        resyncReason: planned.startLink !== null && !usable ? 'graphEndpointChanged' : null,
        pages: 0,
        staged: 0,
        requests: 0,
        throttled: 0,
      };
    }
    const base = { requests: progress.requests, throttled: progress.throttled };
    const current = (): PullProgress => ({
      ...progress!,
      requests: base.requests + session.traffic.requests,
      throttled: base.throttled + session.traffic.throttled,
    });
    const wait = activityWait(ctx, current);
    ctx.heartbeat(current());

    let resyncs = 0;
    for (;;) {
      let page;
      try {
        page = await Promise.race([
          fetchDeltaPage(session.client, progress.link, query.resource, { maxAttempts: GRAPH_ATTEMPTS_PER_PAGE, wait }),
          ctx.cancelled,
        ]);
      } catch (err) {
        if (err instanceof DeltaResyncRequired && resyncs < MAX_RESYNCS_PER_PULL) {
          resyncs += 1;
          await clearStagedStream(db, runId, stream);
          progress = { ...current(), link: err.restartUrl ?? initialUrl, mode: 'bootstrap', resyncReason: err.reason, pages: 0, staged: 0 };
          ctx.heartbeat(progress);
          continue;
        }
        const context = { ...connector, endpoint: new URL(progress.link).origin, permission: query.permission };
        throw toGraphFailure(err, context, query.resource, session.redact);
      }
      progress.staged += await stagePage(db, runId, stream, page.objects);
      progress.pages += 1;
      if (page.nextLink) {
        progress.link = page.nextLink;
        ctx.heartbeat(current());
        continue;
      }
      const pull: StreamPull = { ...current(), startLink: planned.startLink, deltaLink: page.deltaLink! };
      await recordStreamPull(db, runId, stream, pull);
      return summarize(stream, pull);
    }
  };
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

function summarize(stream: DeltaStream, pull: StreamPull): PullSummary {
  return { stream, mode: pull.mode, pages: pull.pages, staged: pull.staged, resyncReason: pull.resyncReason };
}
