import type { ActivityDeps } from '../deps';
import { classifyAuditActivity } from '../auditClassification';
import { filterTime } from '../graph/filterTime';
import { AUDIT_STREAM, PULLED_STREAMS } from '../../shared/streams';
import { clearDocuments, stageDocuments } from './stageDocuments';
import { committedWatermark } from './auditWatermarks';
import { readPages, type PageStream } from './pageReader';

/** First run: how far back to look. */
export const AUDIT_LOOKBACK_MS = 30 * 86_400_000;
/**
 * Later runs re-read this much before the watermark (ENTRA_AUDIT_OVERLAP), because events reach
 * the log late: Microsoft documents 99% of audit events within 5 minutes and nothing for the
 * rest, so an hour is a wide margin (docs/graph-behaviour.md). Re-read events dedupe by id.
 */
export const DEFAULT_AUDIT_OVERLAP_MS = 60 * 60_000;

const STAGING = { table: 'staged_audit_events' } as const;

/**
 * Directory audit events since the committed watermark (less an overlap), keeping the credential
 * and access activities. The new watermark is the newest event FETCHED, credential or not, so it
 * moves on even when no credential changed; finalize commits it.
 */
export function pullAuditEventsActivity(deps: ActivityDeps) {
  const { db } = deps;
  const stream: PageStream<{ newest: string | null }, { events: number }> = {
    stream: AUDIT_STREAM,
    permission: PULLED_STREAMS[AUDIT_STREAM].permission,
    pacing: 'reports',
    async start(connector) {
      const watermark = await committedWatermark(db, connector.id, AUDIT_STREAM);
      const since = watermark ? watermark.getTime() - (deps.auditOverlapMs ?? DEFAULT_AUDIT_OVERLAP_MS) : Date.now() - AUDIT_LOOKBACK_MS;
      const link = `${connector.graphBaseUrl}/auditLogs/directoryAudits?$filter=activityDateTime ge ${filterTime(since)}&$top=1000`;
      return { sources: [{ what: 'auditLogs/directoryAudits', link }], state: { newest: watermark?.toISOString() ?? null } };
    },
    clear: (syncRunId) => clearDocuments(db, syncRunId, STAGING),
    async stage(syncRunId, _source, page, state) {
      const relevant = page.objects.filter((e) => classifyAuditActivity(e.activityDisplayName));
      await stageDocuments(db, syncRunId, STAGING, relevant);
      for (const event of page.objects) {
        const at = typeof event.activityDateTime === 'string' ? Date.parse(event.activityDateTime) : NaN;
        if (!Number.isNaN(at) && (state.newest === null || at > Date.parse(state.newest))) state.newest = new Date(at).toISOString();
      }
      return relevant.length;
    },
    record: ({ state }) => ({ watermark: state.newest }),
    result: (record) => ({ events: record.staged }),
  };
  return async function pullAuditEvents(input: { runId: number; connectorId: string }): Promise<{ events: number }> {
    return readPages(deps, stream, input);
  };
}
