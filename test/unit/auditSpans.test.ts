import { describe, expect, it } from 'vitest';
import { AUDIT_SOURCES } from '../../activities/auditSources';
import {
  advanceSpan,
  auditLag,
  forwardMayGoOn,
  planAuditReads,
  probeGoesOn,
  probeWindow,
  readAfterPage,
  type AuditRead,
  type AuditSpan,
  type PlannedRead,
} from '../../activities/staging/auditSpans';
import { KEPT_AUDIT_ACTIVITIES } from '../support/keptAuditActivities';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TO = Date.parse('2026-11-30T00:00:00Z');
const span = (source: string, floor: number, low: number, high: number, known = true, resume: number | null = null): AuditSpan => ({ source, floor, low, high, resume, known });

describe('audit queries', () => {
  it('ask for every activity the connector keeps, as live logs name them', () => {
    for (const name of [...KEPT_AUDIT_ACTIVITIES, 'Update application - Certificates and secrets management', 'Add service principal credentials ']) {
      expect([name, AUDIT_SOURCES.some((prefix) => name.toLowerCase().startsWith(prefix.toLowerCase()))]).toEqual([name, true]);
    }
  });
});

describe('planAuditReads', () => {
  it('backfills 30 days newest first on a first run, with no forward read', () => {
    const spans = ['a', 'b'].map((s) => span(s, TO - 30 * DAY, TO, TO, false));
    expect(planAuditReads(spans, TO, HOUR)).toEqual([
      { source: 'a', direction: 'backfill', from: TO - 30 * DAY, until: TO },
      { source: 'b', direction: 'backfill', from: TO - 30 * DAY, until: TO },
    ]);
  });

  it('reads forward first (the query furthest behind first) from its edge less the overlap, then the most recent gaps', () => {
    const spans = [
      span('done', TO - 40 * DAY, TO - 40 * DAY, TO - 2 * HOUR),
      span('behind', TO - 30 * DAY, TO - 5 * DAY, TO - 9 * HOUR),
      span('gap', TO - 30 * DAY, TO - 2 * DAY, TO - HOUR),
      span('tail', TO - 30 * DAY, TO - 30 * DAY + HOUR, TO - HOUR),
    ];
    expect(planAuditReads(spans, TO, HOUR)).toEqual([
      { source: 'behind', direction: 'forward', from: TO - 10 * HOUR, until: TO },
      { source: 'done', direction: 'forward', from: TO - 3 * HOUR, until: TO },
      { source: 'gap', direction: 'forward', from: TO - 2 * HOUR, until: TO },
      { source: 'tail', direction: 'forward', from: TO - 2 * HOUR, until: TO },
      { source: 'gap', direction: 'backfill', from: TO - 30 * DAY, until: TO - 2 * DAY },
      { source: 'behind', direction: 'backfill', from: TO - 30 * DAY, until: TO - 5 * DAY },
      { source: 'tail', direction: 'backfill', from: TO - 30 * DAY, until: TO - 30 * DAY + HOUR },
    ]);
  });
});

describe('advanceSpan', () => {
  const before = span('q', TO - 30 * DAY, TO - 10 * DAY, TO - HOUR);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const forward = (done: boolean, oldest: number | null, newest: number | null) =>
    ({ source: 'q', direction: 'forward', from: TO - 2 * HOUR, until: TO, done, oldest: iso(oldest), newest: iso(newest) }) as const;
  const backfill = (from: number, until: number, done: boolean, oldest: number | null = null, newest: number | null = null) =>
    ({ source: 'q', direction: 'backfill', from, until, done, oldest: iso(oldest), newest: iso(newest) }) as const;

  it('moves the forward edge to the bound when the read ran out, else to the newest event read', () => {
    expect(advanceSpan(before, [forward(true, null, null)])).toMatchObject({ low: TO - 10 * DAY, high: TO });
    expect(advanceSpan(before, [forward(false, TO - 50 * 60_000, TO - 20 * 60_000)])).toMatchObject({ high: TO - 20 * 60_000 });
    expect(advanceSpan(before, [forward(false, TO - 3 * HOUR, TO - 2 * HOUR)])).toMatchObject({ high: TO - HOUR });
  });

  it('moves the backfill edge down through reads that touch it: to their bound when they ran out, else to the oldest event read', () => {
    const recent = backfill(TO - 11 * DAY, TO - 10 * DAY, true);
    expect(advanceSpan(before, [recent])).toMatchObject({ low: TO - 11 * DAY, high: TO - HOUR });
    expect(advanceSpan(before, [backfill(TO - 30 * DAY, TO - 11 * DAY, true), recent])).toMatchObject({ low: TO - 30 * DAY });
    expect(advanceSpan(before, [recent, backfill(TO - 30 * DAY, TO - 11 * DAY, false, TO - 12 * DAY, TO - 11 * DAY)])).toMatchObject({ low: TO - 12 * DAY });
    expect(advanceSpan(before, [backfill(TO - 11 * DAY, TO - 10 * DAY, false, TO - 10.5 * DAY, TO - 10.2 * DAY)])).toMatchObject({ low: TO - 10.5 * DAY });
    expect(advanceSpan(before, [backfill(TO - 11 * DAY, TO - 10 * DAY, false)])).toEqual(before);
  });

  it('never papers over a gap: an older read that does not touch the span leaves it', () => {
    expect(advanceSpan(before, [backfill(TO - 30 * DAY, TO - 11 * DAY, true)])).toEqual(before);
    expect(advanceSpan(before, [backfill(TO - 11 * DAY, TO - 10 * DAY, false, TO - 10.5 * DAY, null), backfill(TO - 30 * DAY, TO - 11 * DAY, true)])).toMatchObject({ low: TO - 10.5 * DAY });
  });

  it('leaves a query the run did not reach as it was', () => {
    expect(advanceSpan(before, [{ ...forward(true, null, null), source: 'other' }])).toEqual(before);
  });
});

describe('forward reads cut short by the page budget', () => {
  const at = (ms: number) => new Date(ms).toISOString();

  it('continue next run where they stopped, first, even inside the overlap window', () => {
    const high = TO - 2 * HOUR;
    // The read re-read the overlap from high − 1 h and the budget ended it at high − 40 min.
    const cut: AuditRead = { source: 'dense', direction: 'forward', from: high - HOUR, until: TO - HOUR, oldest: at(high - HOUR), newest: at(high - 40 * 60_000), done: false };
    const after = advanceSpan(span('dense', TO - 30 * DAY, TO - 30 * DAY, high), [cut]);
    expect(after).toEqual(span('dense', TO - 30 * DAY, TO - 30 * DAY, high, true, high - 40 * 60_000));
    const quiet = span('quiet', TO - 30 * DAY, TO - 30 * DAY, TO - HOUR);
    expect(planAuditReads([quiet, after], TO, HOUR).map((r) => [r.source, r.from])).toEqual([
      ['dense', high - 40 * 60_000],
      ['quiet', TO - 2 * HOUR],
    ]);
    // Once a read finishes, the next re-reads the overlap before the bound again.
    const done: AuditRead = { ...cut, from: high - 40 * 60_000, until: TO, done: true };
    expect(advanceSpan(after, [done])).toEqual(span('dense', TO - 30 * DAY, TO - 30 * DAY, TO));
  });

  it('leave a query where it was when they read nothing', () => {
    const before = span('q', TO - 30 * DAY, TO - 30 * DAY, TO - HOUR, true, TO - 2 * HOUR);
    expect(advanceSpan(before, [{ source: 'q', direction: 'forward', from: TO - 2 * HOUR, until: TO, oldest: null, newest: null, done: false }])).toEqual(before);
  });

  it('leave a page for every forward read still waiting', () => {
    expect(forwardMayGoOn(0, 19, 20, 9)).toBe(true); // its first page, whatever the others wait for
    expect(forwardMayGoOn(3, 10, 20, 9)).toBe(true);
    expect(forwardMayGoOn(3, 11, 20, 9)).toBe(false);
    expect(forwardMayGoOn(5, 19, 20, 0)).toBe(true); // the last read takes what is left
  });

  it('say how far each query is behind the bound', () => {
    const spans = [span('caught up', TO - DAY, TO - DAY, TO), span('cut short', TO - DAY, TO - DAY, TO, true, TO - 90_500), span('new', TO, TO, TO, false)];
    expect(auditLag(spans, TO)).toEqual({ 'caught up': 0, 'cut short': 91 });
  });
});

/**
 * Runs of the forward reads against a hand-made log, as the pull reads them: each read's events in
 * its window (Graph's filter has whole seconds), oldest first, PAGE a page, at most BUDGET pages a
 * run, each read going on only while forwardMayGoOn says so.
 */
describe('audit progress under any density', () => {
  const MINUTE = 60_000;
  const PAGE = 10;
  const BUDGET = 20;
  const T0 = TO - 2 * DAY;
  const RUN_EVERY = 15 * MINUTE;
  const QUERIES = AUDIT_SOURCES;
  const DENSE = QUERIES[6]!;
  type Event = { id: string; source: string; at: number };

  function run(spans: AuditSpan[], log: readonly Event[], to: number, stored: Set<string>): { spans: AuditSpan[]; pages: Map<string, number> } {
    const planned = planAuditReads(spans, to, HOUR);
    const reads: AuditRead[] = [];
    const pages = new Map<string, number>();
    let spent = 0;
    planned.forEach((p, i) => {
      const waiting = planned.slice(i + 1).filter((r) => r.direction === 'forward').length;
      const from = Math.floor(p.from / 1000) * 1000;
      const events = log.filter((e) => e.source === p.source && e.at >= from && e.at <= Math.ceil(p.until / 1000) * 1000).sort((a, b) => a.at - b.at);
      let read: AuditRead = { ...p, oldest: null, newest: null, done: false };
      for (let n = 0; spent < BUDGET && forwardMayGoOn(n, spent, BUDGET, waiting) && !read.done; n++) {
        const page = events.slice(n * PAGE, (n + 1) * PAGE);
        spent += 1;
        page.forEach((e) => stored.add(e.id));
        read = readAfterPage(read, page.map((e) => e.at), (n + 1) * PAGE >= events.length);
      }
      pages.set(p.source, read.pages ?? 0);
      reads.push(read);
    });
    return { spans: spans.map((s) => advanceSpan(s, reads)), pages };
  }

  it('reads a window denser than the page budget to its end over runs, while every other query is read each run', () => {
    // 1,000 events of one query within 40 minutes, inside the overlap window before every query's
    // edge: 100 pages against 20 a run, and one new event of every query before each run.
    const log: Event[] = Array.from({ length: 1000 }, (_, i) => ({ id: `dense-${i}`, source: DENSE, at: T0 - 50 * MINUTE + i * 2_400 }));
    let spans = QUERIES.map((q) => span(q, T0 - 30 * DAY, T0 - 30 * DAY, T0));
    const stored = new Set<string>();
    let runs = 0;
    for (; runs < 20 && !log.every((e) => stored.has(e.id)); runs++) {
      const to = T0 + (runs + 1) * RUN_EVERY;
      const fresh = QUERIES.map((q) => ({ id: `${q} ${runs}`, source: q, at: to - MINUTE }));
      log.push(...fresh);
      const after = run(spans, log, to, stored);
      spans = after.spans;
      // Every other query got its turn: its new event is stored in the run it appeared.
      expect(fresh.filter((e) => e.source !== DENSE && !stored.has(e.id)).map((e) => e.id)).toEqual([]);
      for (const q of QUERIES) expect([q, after.pages.get(q)! >= 1]).toEqual([q, true]);
      // The dense query says it is behind while it is; the others are caught up.
      const lag = auditLag(spans, to);
      expect(QUERIES.filter((q) => q !== DENSE && lag[q] !== 0)).toEqual([]);
      if (!log.every((e) => stored.has(e.id))) expect(lag[DENSE]).toBeGreaterThan(0);
    }
    expect(log.filter((e) => !stored.has(e.id)).map((e) => e.id)).toEqual([]);
    // 11 pages a run for the dense query (9 go to the others): 1,000 events and its new ones in 10 runs.
    expect(runs).toBeLessThanOrEqual(10);
    expect(Object.values(auditLag(spans, T0 + runs * RUN_EVERY))).toEqual(QUERIES.map(() => 0));
  });
});

describe('probeWindow', () => {
  const spans = ['a', 'b', 'c'].map((s) => span(s, TO - 30 * DAY, TO - 30 * DAY, TO - HOUR));
  const reads = (list: AuditSpan[]) => planAuditReads(list, TO, HOUR);

  it('is the common forward window when every query reads forward from the same point', () => {
    expect(probeWindow(spans, reads(spans))).toEqual({ from: TO - 2 * HOUR, until: TO });
  });

  it('is none when the queries are at different points, a backfill is pending, a query is new, or the window is over a day', () => {
    const behind = [...spans.slice(0, 2), span('c', TO - 30 * DAY, TO - 30 * DAY, TO - 3 * HOUR)];
    expect(probeWindow(behind, reads(behind))).toBeUndefined();
    const gap = [...spans.slice(0, 2), span('c', TO - 30 * DAY, TO - 2 * DAY, TO - HOUR)];
    expect(probeWindow(gap, reads(gap))).toBeUndefined();
    const fresh = [...spans.slice(0, 2), span('c', TO - 30 * DAY, TO, TO, false)];
    expect(probeWindow(fresh, reads(fresh))).toBeUndefined();
    const old = ['a', 'b'].map((s) => span(s, TO - 30 * DAY, TO - 30 * DAY, TO - 2 * DAY));
    expect(probeWindow(old, reads(old))).toBeUndefined();
  });

  /** Every read after the probe's pages of events at these times, the last page last. */
  const afterProbe = (list: PlannedRead[], pages: number[][]) =>
    list.map((r) => pages.reduce((read, times, i) => readAfterPage(read, times, i === pages.length - 1), { ...r, oldest: null as string | null, newest: null as string | null, done: false }));

  it('covers each forward read as finished when its one page is the last, so every span reaches the bound', () => {
    const covered = afterProbe(reads(spans), [[TO - 90 * 60_000]]);
    expect(spans.map((s) => advanceSpan(s, covered))).toEqual(spans.map((s) => ({ ...s, high: TO })));
  });

  it("is the whole look-back on a connector's first run, and covering it finishes every backfill", () => {
    const first = ['a', 'b', 'c'].map((s) => span(s, TO - 30 * DAY, TO, TO, false));
    expect(probeWindow(first, reads(first))).toEqual({ from: TO - 30 * DAY, until: TO });
    const covered = afterProbe(reads(first), [[TO - DAY, TO - 20 * DAY]]);
    expect(first.map((s) => advanceSpan(s, covered))).toEqual(first.map((s) => ({ ...s, low: TO - 30 * DAY, known: true })));
  });

  it('leaves every backfill span at the oldest event read when the page budget ends the probe mid-way (newest first)', () => {
    const first = ['a', 'b'].map((s) => span(s, TO - 30 * DAY, TO, TO, false));
    const partial = afterProbe(reads(first), [[TO - HOUR, TO - 5 * DAY], [TO - 6 * DAY, TO - 9 * DAY]]).map((r) => ({ ...r, done: false }));
    expect(first.map((s) => advanceSpan(s, partial))).toEqual(first.map((s) => ({ ...s, low: TO - 9 * DAY, known: true })));
  });

  it('is none for a backfill once a query has committed a span: each resumes from its own point', () => {
    const resumed = ['a', 'b'].map((s) => span(s, TO - 30 * DAY, TO - 10 * DAY, TO - 10 * DAY));
    expect(probeWindow(resumed, planAuditReads(resumed, TO - 10 * DAY, 0).filter((r) => r.direction === 'backfill'))).toBeUndefined();
  });
});

describe('probeGoesOn', () => {
  const month = { from: TO - 30 * DAY, until: TO };

  it("goes on when the rest of the window, at the first page's density, takes fewer pages than the filtered queries", () => {
    // Newest first, the page reached back 5 days: 6 pages in all, 5 more, against 10 queries.
    expect(probeGoesOn(month, 'backfill', [TO - HOUR, TO - 5 * DAY], 10)).toBe(true);
    // Oldest first (forward), the page reached 4 of 30 days: 8 pages, 7 more.
    expect(probeGoesOn(month, 'forward', [TO - 30 * DAY, TO - 26 * DAY], 10)).toBe(true);
  });

  it('falls back to the filtered queries when the log is denser than that, or the page tells nothing', () => {
    // A page for the last 2 days: 15 pages, 14 more, against 10 queries.
    expect(probeGoesOn(month, 'backfill', [TO - HOUR, TO - 2 * DAY], 10)).toBe(false);
    // At the edge: 3 days a page is 9 more pages, below 10 queries; 2.8 days is 10 more, as many
    // as the queries, which read only what is kept.
    expect(probeGoesOn(month, 'backfill', [TO - 3 * DAY], 10)).toBe(true);
    expect(probeGoesOn(month, 'backfill', [TO - 2.8 * DAY], 10)).toBe(false);
    expect(probeGoesOn(month, 'backfill', [], 10)).toBe(false);
    expect(probeGoesOn(month, 'backfill', [TO, TO], 10)).toBe(false);
  });
});
