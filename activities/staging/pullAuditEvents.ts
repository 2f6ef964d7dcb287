import type { ActivityDeps } from '../deps';
import { classifyAuditActivity } from '../auditClassification';
import { matchesAuditSource, odataString } from '../auditSources';
import { filterTime } from '../graph/filterTime';
import type { Connector } from '../store/connectors';
import type { Queryable } from '../store/database';
import { AUDIT_STREAM, PULLED_STREAMS } from '../../shared/streams';
import { clearDocuments, stageDocuments } from './stageDocuments';
import { committedSpans, forwardMayGoOn, planAuditReads, probeGoesOn, probeWindow, readAfterPage, type AuditRead, type PlannedRead } from './auditSpans';
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
 * `what`), and the unfiltered probe: the reads it stands for, their common window and direction,
 * and what became of it: its one page covered them, it goes on page by page in their place
 * (`continued`), or it had more than it is worth reading and the filtered reads go instead.
 */
type AuditProbe = { covers: PlannedRead[]; outcome?: 'covered' | 'continued' | 'overflow' };
type AuditPullState = { to: string; reads: Record<string, AuditRead>; probe?: AuditProbe };

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
      if (!probeWindow(spans, reads)) return { sources, state };
      // A quiet window or a small tenant's first 30 days: one unfiltered page may hold every
      // event of the window (docs/architecture.md, "Audit spans").
      return { sources: [probeSource(connector, reads), ...sources], state: { ...state, probe: { covers: reads } } };
    },
    async clear(tx, syncRunId) {
      await clearDocuments(tx, syncRunId, STAGING);
      await saveReads(tx, syncRunId, {});
    },
    async stage(tx, syncRunId, source, page, state) {
      if (source.what.startsWith(PROBE)) return stageProbe(tx, syncRunId, page, state);
      const relevant = page.objects.filter((e) => classifyAuditActivity(e.activityDisplayName));
      await stageDocuments(tx, syncRunId, STAGING, relevant);
      const read = state.reads[source.what] ?? { ...readOf(source), oldest: null, newest: null, done: false };
      state.reads[source.what] = readAfterPage(read, eventTimes(page), !page.nextLink);
      await saveReads(tx, syncRunId, state.reads);
      return relevant.length;
    },
    // The rest of the probe once it is not worth reading; the filtered reads once it stands for
    // them; the rest of a forward read once the forward reads after it need the pages left.
    skip: (source, state, progress) => {
      if (source.what.startsWith(PROBE)) return state.probe?.outcome === 'overflow';
      if (state.probe?.outcome === 'covered' || state.probe?.outcome === 'continued') return true;
      if (readOf(source).direction !== 'forward') return false;
      const waiting = progress.sources.slice(1).filter((s) => !s.what.startsWith(PROBE) && readOf(s).direction === 'forward').length;
      return !forwardMayGoOn(state.reads[source.what]?.pages ?? 0, progress.pages, pagesPerRun, waiting);
    },
    // The page budget ends the pull; the reads not finished continue in the next run.
    exhausted: (progress) => progress.pages >= pagesPerRun,
    record: ({ state }) => ({ watermark: state.to }),
    result: (record) => ({ events: record.staged }),
  };
  /**
   * A page of the probe. Its first page decides: the only page covers every read; else the probe
   * goes on in their place if the rest is worth fewer pages than the filtered reads (probeGoesOn),
   * or is dropped and they go instead. Each page it goes on with moves every read it stands for
   * exactly as that read's own filtered page would, so a page budget that ends it mid-way leaves
   * each span where the next run continues.
   */
  async function stageProbe(tx: Queryable, syncRunId: number, page: Page, state: AuditPullState): Promise<number> {
    const probe = state.probe!;
    const times = eventTimes(page);
    if (probe.outcome === undefined && page.nextLink) {
      const [{ from, until, direction }] = probe.covers as [PlannedRead];
      probe.outcome = probeGoesOn({ from, until }, direction, times, probe.covers.length) ? 'continued' : 'overflow';
      if (probe.outcome === 'overflow') return 0;
    }
    // Exactly what the filtered queries would have staged: events one of them returns, and kept.
    const relevant = page.objects.filter((e) => matchesAuditSource(e.activityDisplayName) && classifyAuditActivity(e.activityDisplayName));
    await stageDocuments(tx, syncRunId, STAGING, relevant);
    for (const planned of probe.covers) {
      const name = readName(planned);
      state.reads[name] = readAfterPage(state.reads[name] ?? { ...planned, oldest: null, newest: null, done: false }, times, !page.nextLink);
    }
    if (!page.nextLink) probe.outcome = 'covered';
    await saveReads(tx, syncRunId, state.reads);
    return relevant.length;
  }
  return async function pullAuditEvents(input: { syncRunId: number; connectorId: string }): Promise<{ events: number }> {
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

/** The unfiltered query over the reads' common window: the time range alone, in their order. */
function probeSource(connector: Connector, reads: readonly PlannedRead[]): PageSource {
  const [{ from, until, direction }] = reads as [PlannedRead];
  const filter = `activityDateTime ge ${filterTime(from)} and activityDateTime le ${filterTime(Math.ceil(until / 1000) * 1000)}`;
  const order = direction === 'forward' ? 'asc' : 'desc';
  return { what: `${PROBE} ${new Date(from).toISOString()}..${new Date(until).toISOString()}`, link: auditLink(connector, filter, order) };
}

/** The times of a page's events that have one. */
function eventTimes(page: Page): number[] {
  return page.objects.flatMap((e) => {
    const at = typeof e.activityDateTime === 'string' ? Date.parse(e.activityDateTime) : NaN;
    return Number.isNaN(at) ? [] : [at];
  });
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
