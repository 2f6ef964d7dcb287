import type { ActivityDeps } from '../deps';
import { classifyAuditActivity } from '../auditClassification';
import { matchesAuditSource, odataString } from '../auditSources';
import { filterTime } from '../graph/filterTime';
import type { Connector } from '../store/connectors';
import type { Queryable } from '../store/database';
import { AUDIT_STREAM, PULLED_STREAMS } from '../../shared/streams';
import { clearDocuments, stageDocuments } from './stageDocuments';
import { committedSpans, planAuditReads, probeWindow, readsCoveredByProbe, type AuditRead, type PlannedRead } from './auditSpans';
import { readPages, type Page, type PageSource, type PageStream } from './pageReader';

/**
 * Later runs re-read this much before the watermark (ENTRA_AUDIT_OVERLAP), because events reach
 * the log late: Microsoft documents 99% of audit events within 5 minutes and nothing for the
 * rest, so an hour is a wide margin (docs/graph-behaviour.md). Re-read events dedupe by id.
 */
export const DEFAULT_AUDIT_OVERLAP_MS = 60 * 60_000;
/**
 * Report pages one run may read (ENTRA_AUDIT_PAGES_PER_RUN): the forward reads of a quiet tenant
 * take one (the probe) to nine, the rest goes to backfill; at the reports pace (5 per 12 s) that
 * is under 50 s of a run (docs/architecture.md, "Audit spans").
 */
export const DEFAULT_AUDIT_PAGES_PER_RUN = 20;

const STAGING = { table: 'staged_audit_events' } as const;

/**
 * The run's upper bound (`to`, whole seconds), what each read has seen so far (by its source's
 * `what`), and the unfiltered probe of a quiet run: the forward reads it stands for, and whether
 * its one page covered them or it had more and the filtered reads go instead.
 */
type AuditPullState = { to: string; reads: Record<string, AuditRead>; probe?: { covers: PlannedRead[]; outcome?: 'covered' | 'overflow' } };

const PROBE = 'auditLogs/directoryAudits probe';

/**
 * Directory audit events of the activities the connector keeps, one filtered query per activity
 * (activities/auditSources.ts): forward from each query's committed span less the overlap up to
 * the run's bound, then backfill of the older part of the first run's 30 days, newest first, all
 * within ENTRA_AUDIT_PAGES_PER_RUN report pages. What each query read is kept on the run's stream
 * row (`audit_reads`); finalize turns it into the queries' spans and commits it with the events.
 */
export function pullAuditEventsActivity(deps: ActivityDeps) {
  const { db } = deps;
  const pagesPerRun = deps.auditPagesPerRun ?? DEFAULT_AUDIT_PAGES_PER_RUN;
  const stream: PageStream<AuditPullState, { events: number }> = {
    stream: AUDIT_STREAM,
    permission: PULLED_STREAMS[AUDIT_STREAM].permission,
    pacing: 'reports',
    async start(connector) {
      // Whole seconds: Graph's time literals have none, and the bound must be exactly what was
      // asked. Rounded up, so an event logged in the second the run starts is in this run.
      const to = Math.ceil(Date.now() / 1000) * 1000;
      const spans = await committedSpans(db, connector.id, to);
      const reads = planAuditReads(spans, to, deps.auditOverlapMs ?? DEFAULT_AUDIT_OVERLAP_MS);
      const sources = reads.map((read) => auditSource(connector, read));
      const state: AuditPullState = { to: new Date(to).toISOString(), reads: {} };
      const probe = probeWindow(spans, reads);
      if (!probe) return { sources, state };
      // A quiet window or a small tenant's first 30 days: one unfiltered page may hold every
      // event of the window (docs/architecture.md, "Audit spans").
      return { sources: [probeSource(connector, probe), ...sources], state: { ...state, probe: { covers: reads } } };
    },
    async clear(syncRunId) {
      await clearDocuments(db, syncRunId, STAGING);
      await saveReads(db, syncRunId, {});
    },
    async stage(syncRunId, source, page, state) {
      if (source.what.startsWith(PROBE)) return stageProbe(syncRunId, page, state);
      const relevant = page.objects.filter((e) => classifyAuditActivity(e.activityDisplayName));
      await stageDocuments(db, syncRunId, STAGING, relevant);
      const read = state.reads[source.what] ?? { ...readOf(source), oldest: null, newest: null, done: false };
      for (const event of page.objects) {
        const at = typeof event.activityDateTime === 'string' ? Date.parse(event.activityDateTime) : NaN;
        if (Number.isNaN(at)) continue;
        if (read.oldest === null || at < Date.parse(read.oldest)) read.oldest = new Date(at).toISOString();
        if (read.newest === null || at > Date.parse(read.newest)) read.newest = new Date(at).toISOString();
      }
      read.done = !page.nextLink;
      state.reads[source.what] = read;
      await saveReads(db, syncRunId, state.reads);
      return relevant.length;
    },
    // After the probe: the filtered reads if it covered them, else the rest of the probe.
    skip: (source, state) => (source.what.startsWith(PROBE) ? state.probe?.outcome === 'overflow' : state.probe?.outcome === 'covered'),
    // The page budget ends the pull; the reads not finished continue in the next run.
    exhausted: (progress) => progress.pages >= pagesPerRun,
    record: ({ state }) => ({ watermark: state.to }),
    result: (record) => ({ events: record.staged }),
  };
  /** The probe's first page: the whole window if it is the only page, else dropped (the filtered reads go instead). */
  async function stageProbe(syncRunId: number, page: Page, state: AuditPullState): Promise<number> {
    const probe = state.probe!;
    if (page.nextLink) {
      probe.outcome = 'overflow';
      return 0;
    }
    // Exactly what the filtered queries would have staged: events one of them returns, and kept.
    const relevant = page.objects.filter((e) => matchesAuditSource(e.activityDisplayName) && classifyAuditActivity(e.activityDisplayName));
    await stageDocuments(db, syncRunId, STAGING, relevant);
    for (const read of readsCoveredByProbe(probe.covers)) state.reads[readName(read)] = read;
    probe.outcome = 'covered';
    await saveReads(db, syncRunId, state.reads);
    return relevant.length;
  }
  return async function pullAuditEvents(input: { runId: number; connectorId: string }): Promise<{ events: number }> {
    return readPages(deps, stream, input);
  };
}

/**
 * One read as a directoryAudits query. Forward reads go oldest first, so a read cut short has read
 * everything up to its newest event; backfill newest first, so one cut short has read everything
 * down to its oldest. `le` rounds up to the second so a boundary event with fractions is included.
 */
function auditSource(connector: Connector, read: PlannedRead): PageSource {
  const filter =
    `startswith(activityDisplayName, ${odataString(read.source)}) and ` +
    `activityDateTime ge ${filterTime(read.from)} and activityDateTime le ${filterTime(Math.ceil(read.until / 1000) * 1000)}`;
  const order = read.direction === 'forward' ? 'asc' : 'desc';
  return { what: readName(read), link: auditLink(connector, filter, order) };
}

/** The unfiltered query over the reads' common window: the time range alone, oldest first. */
function probeSource(connector: Connector, window: { from: number; until: number }): PageSource {
  const filter = `activityDateTime ge ${filterTime(window.from)} and activityDateTime le ${filterTime(Math.ceil(window.until / 1000) * 1000)}`;
  return { what: `${PROBE} ${new Date(window.from).toISOString()}..${new Date(window.until).toISOString()}`, link: auditLink(connector, filter, 'asc') };
}

function auditLink(connector: Connector, filter: string, order: 'asc' | 'desc'): string {
  return `${connector.graphBaseUrl}/auditLogs/directoryAudits?$filter=${encodeURIComponent(filter)}&$orderby=${encodeURIComponent(`activityDateTime ${order}`)}&$top=1000`;
}

/** A read's source `what`: readOf parses it back. */
function readName(read: PlannedRead): string {
  return `auditLogs/directoryAudits ${read.direction} '${read.source}' ${new Date(read.from).toISOString()}..${new Date(read.until).toISOString()}`;
}

/** The planned read back from a source's `what` (it is all the reader keeps of a source). */
function readOf(source: PageSource): PlannedRead {
  const match = /^auditLogs\/directoryAudits (forward|backfill) '(.*)' (\S+)\.\.(\S+)$/.exec(source.what);
  if (!match) throw new Error(`not an audit read: ${source.what}`);
  return { direction: match[1] as PlannedRead['direction'], source: match[2]!, from: Date.parse(match[3]!), until: Date.parse(match[4]!) };
}

async function saveReads(db: Queryable, syncRunId: number, reads: Record<string, AuditRead>): Promise<void> {
  await db.query('update sync_run_streams set audit_reads = $3 where run_id = $1 and stream = $2', [syncRunId, AUDIT_STREAM, JSON.stringify(Object.values(reads))]);
}
