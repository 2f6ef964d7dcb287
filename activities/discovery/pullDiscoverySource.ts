import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../deps';
import { fetchListPage } from '../graph/listPages';
import { reportsPacer } from '../graph/pacer';
import { activityWait, toGraphFailure } from '../graphActivity';
import { requireConnector } from '../requireConnector';
import { stageDocuments } from '../store/stageDocuments';
import { clearStagedDiscovery, recordDiscoveryPull, type DiscoverySource } from './discoveryStaging';

type Source = {
  source: DiscoverySource;
  stream: string;
  what: string;
  permission: string;
  firstLink: (graphBaseUrl: string, connectorId: string) => Promise<string>;
  /** A 403 code that means "this tenant cannot offer this source", not "permission missing". */
  unavailableCode?: { code: string; reason: string };
  /** Sign-ins are a report: paced under the reports limit. */
  isReport?: boolean;
};

type Progress = { link: string; pages: number; staged: number };

/** Streams one discovery source into staging, resumable from its heartbeat, recording coverage. */
export function pullDiscoverySource({ db, graph }: ActivityDeps, source: Source) {
  return async (input: { runId: number; connectorId: string }): Promise<{ staged: number; coverage: 'complete' | 'unavailable' }> => {
    const ctx = Context.current();
    const connector = await requireConnector(db, input.connectorId);
    const session = await graph.open(connector, source.permission);
    let progress = ctx.info.heartbeatDetails as Progress | undefined;
    if (!progress) {
      await clearStagedDiscovery(db, input.runId, source.source);
      progress = { link: await source.firstLink(connector.graphBaseUrl, connector.id), pages: 0, staged: 0 };
    }
    const wait = activityWait(ctx, () => progress);
    const retry = { maxAttempts: 8, wait };
    const pacer = source.isReport ? reportsPacer(wait) : undefined;
    for (;;) {
      await pacer?.take(1);
      let page;
      try {
        page = await fetchListPage(session.client, progress.link, source.what, retry);
      } catch (err) {
        const e = err as { statusCode?: number; code?: string };
        if (source.unavailableCode && e.statusCode === 403 && e.code === source.unavailableCode.code) {
          await clearStagedDiscovery(db, input.runId, source.source);
          await recordDiscoveryPull(db, input.runId, source.stream, {
            pages: progress.pages,
            staged: 0,
            ...session.traffic,
            coverage: 'unavailable',
            coverageReason: source.unavailableCode.reason,
          });
          return { staged: 0, coverage: 'unavailable' };
        }
        const context = { ...connector, endpoint: new URL(progress.link).origin, permission: source.permission };
        throw toGraphFailure(err, context, source.what, session.redact);
      }
      await stageDocuments(db, input.runId, { table: 'staged_discovery', kindColumn: 'source', kind: source.source }, page.objects);
      progress.pages += 1;
      progress.staged += page.objects.length;
      if (!page.nextLink) break;
      progress.link = page.nextLink;
      ctx.heartbeat(progress);
    }
    await recordDiscoveryPull(db, input.runId, source.stream, { pages: progress.pages, staged: progress.staged, ...session.traffic, coverage: 'complete' });
    return { staged: progress.staged, coverage: 'complete' };
  };
}
