import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps';
import { classifyAuditActivity } from './auditClassification';
import { filterTime } from './graph/filterTime';
import { fetchListPage } from './graph/listPages';
import { reportsPacer } from './graph/pacer';
import { activityWait, toGraphFailure } from './graphActivity';
import { requireConnector } from './requireConnector';
import { stageDocuments } from './store/stageDocuments';
import { clearStaged, committedWatermark, recordRelationshipPull } from './store/stagedRelationships';

const PERMISSION = 'AuditLog.Read.All';
import { AUDIT_STREAM } from './store/relationshipStreams';
/** First run: how far back to look. */
export const AUDIT_LOOKBACK_MS = 30 * 86_400_000;
/** Later runs re-read this much before the watermark: events can land in the log late. */
export const AUDIT_OVERLAP_MS = 15 * 60_000;

type AuditProgress = { link: string; pages: number; staged: number; newest: string | null };

/**
 * Directory audit events since the committed watermark (less an overlap), keeping the credential
 * and access activities. The new watermark is the newest event FETCHED, credential or not, so it
 * moves on even when no credential changed; finalize commits it.
 */
export function pullAuditEventsActivity({ db, graph }: ActivityDeps) {
  return async function pullAuditEvents(input: { runId: number; connectorId: string }): Promise<{ events: number }> {
    const ctx = Context.current();
    const connector = await requireConnector(db, input.connectorId);
    const session = await graph.open(connector, PERMISSION);
    let progress = ctx.info.heartbeatDetails as AuditProgress | undefined;
    if (!progress) {
      await clearStaged(db, 'staged_audit_events', input.runId);
      const watermark = await committedWatermark(db, connector.id, AUDIT_STREAM);
      const since = watermark ? watermark.getTime() - AUDIT_OVERLAP_MS : Date.now() - AUDIT_LOOKBACK_MS;
      progress = {
        link: `${connector.graphBaseUrl}/auditLogs/directoryAudits?$filter=activityDateTime ge ${filterTime(since)}&$top=1000`,
        pages: 0,
        staged: 0,
        newest: watermark?.toISOString() ?? null,
      };
    }
    const wait = activityWait(ctx, () => progress);
    const retry = { maxAttempts: 8, wait };
    const pacer = reportsPacer(wait);
    for (;;) {
      await pacer.take(1);
      let page;
      try {
        page = await fetchListPage(session.client, progress.link, 'auditLogs/directoryAudits', retry);
      } catch (err) {
        const context = { ...connector, endpoint: new URL(progress.link).origin, permission: PERMISSION };
        throw toGraphFailure(err, context, 'auditLogs/directoryAudits', session.redact);
      }
      const relevant = page.objects.filter((e) => classifyAuditActivity(e.activityDisplayName));
      await stageDocuments(db, input.runId, { table: 'staged_audit_events' }, relevant);
      for (const event of page.objects) {
        const at = typeof event.activityDateTime === 'string' ? Date.parse(event.activityDateTime) : NaN;
        if (!Number.isNaN(at) && (progress.newest === null || at > Date.parse(progress.newest))) progress.newest = new Date(at).toISOString();
      }
      progress.pages += 1;
      progress.staged += relevant.length;
      if (!page.nextLink) break;
      progress.link = page.nextLink;
      ctx.heartbeat(progress);
    }
    await recordRelationshipPull(db, input.runId, AUDIT_STREAM, {
      pages: progress.pages,
      staged: progress.staged,
      watermark: progress.newest,
      ...session.traffic,
    });
    return { events: progress.staged };
  };
}
