import { AUDIT_SOURCES } from '../auditSources';
import type { Queryable } from '../store/database';

/** First run of a query: how far back it backfills (Entra keeps audit logs 30 days by default). */
export const AUDIT_LOOKBACK_MS = 30 * 86_400_000;

/**
 * What one audit query has read: every event with floor ≤ time is read once low ≤ floor; [low,
 * high] is read. `resume` is set while the query's forward read is unfinished (the page budget
 * cut it short): [low, resume] is read without a hole, and the next forward read starts there,
 * not at high less the overlap, so it goes on however many events fall in one overlap window.
 */
export type AuditSpan = { source: string; floor: number; low: number; high: number; resume: number | null; known: boolean };

/** One read of a run: forward (high − overlap up to the run's bound) or backfill (floor up to low). */
export type PlannedRead = { source: string; direction: 'forward' | 'backfill'; from: number; until: number };

/** What the run read of one planned read: the oldest and newest event time seen, whether it ran out, and its pages. */
export type AuditRead = PlannedRead & { oldest: string | null; newest: string | null; done: boolean; pages?: number };

/**
 * Every query's span as committed, or, for a query never committed, the span it starts with at
 * the run's bound `to`: nothing read yet, 30 days to backfill. A connector upgraded from the
 * single unfiltered query (a legacy watermark, no span yet) has read every event up to that
 * watermark already, so its queries start there with nothing to backfill.
 */
export async function committedSpans(db: Queryable, connectorId: string, to: number): Promise<AuditSpan[]> {
  const { rows } = await db.query<{ source: string; floor: Date; low: Date; high: Date; resume: Date | null }>(
    'select source, floor, low, high, resume_at as resume from audit_sources where connector_id = $1',
    [connectorId],
  );
  const legacy =
    rows.length === 0
      ? (await db.query<{ watermark: Date }>(`select watermark from audit_watermarks where connector_id = $1 and stream = 'credentialAuditEvents'`, [connectorId])).rows[0]
      : undefined;
  const committed = new Map(rows.map((r) => [r.source, r]));
  return AUDIT_SOURCES.map((source) => {
    const row = committed.get(source);
    if (row) return { source, floor: row.floor.getTime(), low: row.low.getTime(), high: row.high.getTime(), resume: row.resume?.getTime() ?? null, known: true };
    if (legacy) {
      const at = legacy.watermark.getTime();
      return { source, floor: at, low: at, high: at, resume: null, known: true };
    }
    return { source, floor: to - AUDIT_LOOKBACK_MS, low: to, high: to, resume: null, known: false };
  });
}

/** Up to where a query has read forward without a hole: where its unfinished read stopped, else its high edge. */
export const forwardEdge = (span: AuditSpan): number => span.resume ?? span.high;

/**
 * The reads of one run, in the order they draw on its page budget: first every forward read
 * (the query furthest behind first), so the newest events are never starved by backfill; then
 * one backfill read per query with a gap, the most recent gap first, each newest first. A forward
 * read starts where the query's unfinished read stopped, else at its high edge less the overlap
 * (events reach the log late). A query never committed has no forward read: its whole 30 days
 * are backfill. A query whose backfill the budget did not reach keeps the most recent gap, so it
 * goes first in the next run.
 */
export function planAuditReads(spans: readonly AuditSpan[], to: number, overlapMs: number): PlannedRead[] {
  const forward = spans
    .filter((s) => s.known)
    .sort((a, b) => forwardEdge(a) - forwardEdge(b))
    .map((s): PlannedRead => ({ source: s.source, direction: 'forward', from: Math.min(s.resume ?? s.high - overlapMs, to), until: to }));
  const backfill = spans
    .filter((s) => s.low > s.floor)
    .sort((a, b) => b.low - a.low)
    .map((s): PlannedRead => ({ source: s.source, direction: 'backfill', from: s.floor, until: s.low }));
  return [...forward, ...backfill];
}

/**
 * A span after the run's reads. A finished forward read has read up to its bound, and the next
 * starts at that less the overlap. One cut short by the page budget has read (oldest first) up to
 * its newest event, and the next continues from there (`resume`): re-reading the overlap instead
 * would never get past a window holding more events than the budget. A finished backfill read has
 * read down to its lower bound; one cut short (newest first) down to its oldest event. Backfill
 * reads join the span newest first, and only while they touch it, so a gap is never papered over.
 * Events in a boundary's second are read again next time (Graph's time filters have whole
 * seconds) and deduplicated by id.
 */
export function advanceSpan(span: AuditSpan, reads: readonly AuditRead[]): AuditSpan {
  let { low, high, resume } = span;
  const own = reads.filter((r) => r.source === span.source);
  for (const read of own.filter((r) => r.direction === 'forward')) {
    if (read.done) {
      high = Math.max(high, read.until);
      resume = null;
    } else if (read.newest) {
      const newest = Date.parse(read.newest);
      high = Math.max(high, newest);
      // Never behind where this read started: its events in the second before `from` add nothing.
      resume = Math.max(newest, read.from);
    }
  }
  for (const read of own.filter((r) => r.direction === 'backfill').sort((a, b) => b.until - a.until)) {
    if (read.until < low) break;
    if (read.done) low = Math.min(low, Math.max(read.from, span.floor));
    else if (read.oldest) low = Math.min(low, Date.parse(read.oldest));
    if (!read.done) break;
  }
  return { ...span, low: Math.min(low, high), high, resume, known: true };
}

/**
 * Whether a filtered forward read that has already read `ownPages` may read another page, when
 * the pull has spent `spent` of `budget` pages and `waiting` forward reads have not started: only
 * if each of those still gets a page after it. So a query with more events than the budget takes
 * the pages the others leave, and the others still get their turn every run (each usually needs
 * one page); one cut short continues next run, first, as the query furthest behind.
 */
export function forwardMayGoOn(ownPages: number, spent: number, budget: number, waiting: number): boolean {
  return ownPages === 0 || spent < budget - waiting;
}

/** How far each known query's forward edge is behind the run's bound `to`, in whole seconds (0: caught up). */
export function auditLag(spans: readonly AuditSpan[], to: number): Record<string, number> {
  return Object.fromEntries(spans.filter((s) => s.known).map((s) => [s.source, Math.max(0, Math.ceil((to - forwardEdge(s)) / 1000))]));
}

/** The longest forward window a run first tries with one unfiltered query (see `probeWindow`). */
export const AUDIT_PROBE_MAX_WINDOW_MS = 86_400_000;

/**
 * The window of the one unfiltered query a run tries before its filtered reads, or none. Tried
 * only when every query has exactly one read and all of them cover the same window (so one time
 * range covers them all exactly, and finishing it finishes each of them), and either
 * - every read is forward over at most a day: a quiet run (a longer window rarely fits in a page,
 *   and a run still backfilling spends its page budget anyway), or
 * - every read is the first run's backfill of the whole look-back: a small tenant's 30 days fit in
 *   one page, so its first run costs one report request instead of one per query; a busy tenant's
 *   first run pays one page of its budget for the probe that did not fit.
 */
export function probeWindow(spans: readonly AuditSpan[], reads: readonly PlannedRead[]): { from: number; until: number } | undefined {
  if (reads.length < 2 || reads.length !== spans.length || new Set(reads.map((r) => r.source)).size !== reads.length) return undefined;
  const [{ from, until, direction }] = reads as [PlannedRead];
  if (reads.some((r) => r.direction !== direction || r.from !== from || r.until !== until)) return undefined;
  if (direction === 'forward') return until - from > AUDIT_PROBE_MAX_WINDOW_MS ? undefined : { from, until };
  return spans.every((s) => !s.known) ? { from, until } : undefined;
}

/**
 * Whether the unfiltered query, its first page not the last, goes on instead of the filtered
 * queries: when the rest of the window, at the density of that first page, takes fewer pages than
 * the filtered queries would take requests (each takes one at least). A log of a few thousand
 * events a month is read in a few unfiltered pages rather than one query per activity; a busy one
 * falls back after one page. The first page reads from one end of the window (the newest end for a
 * backfill, the oldest for a forward read), so what it covers is the time from there to its last event.
 */
export function probeGoesOn(window: { from: number; until: number }, direction: PlannedRead['direction'], eventTimes: readonly number[], queries: number): boolean {
  if (eventTimes.length === 0) return false;
  const covered = direction === 'backfill' ? window.until - Math.min(...eventTimes) : Math.max(...eventTimes) - window.from;
  if (covered <= 0) return false;
  const pages = Math.ceil((window.until - window.from) / covered);
  return pages - 1 < queries;
}

/** A read after a page of events at these times: the oldest and newest seen so far, and whether it ran out. */
export function readAfterPage(read: AuditRead, eventTimes: readonly number[], last: boolean): AuditRead {
  let { oldest, newest } = read;
  for (const at of eventTimes) {
    if (oldest === null || at < Date.parse(oldest)) oldest = new Date(at).toISOString();
    if (newest === null || at > Date.parse(newest)) newest = new Date(at).toISOString();
  }
  return { ...read, oldest, newest, done: last, pages: (read.pages ?? 0) + 1 };
}
