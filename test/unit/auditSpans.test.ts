import { describe, expect, it } from 'vitest';
import { classifyAuditActivity } from '../../activities/auditClassification';
import { AUDIT_SOURCES } from '../../activities/auditSources';
import { advanceSpan, planAuditReads, type AuditSpan } from '../../activities/staging/auditSpans';
import { AUDIT_ACTIVITIES } from '../../simulator/model/directoryAudit';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TO = Date.parse('2026-11-30T00:00:00Z');
const span = (source: string, floor: number, low: number, high: number, known = true): AuditSpan => ({ source, floor, low, high, known });

describe('audit queries', () => {
  it('ask for every activity the connector keeps, as live logs name them', () => {
    const kept = Object.values(AUDIT_ACTIVITIES).filter((name) => classifyAuditActivity(name));
    expect(kept.length).toBeGreaterThanOrEqual(8);
    for (const name of [...kept, 'Update application - Certificates and secrets management', 'Add service principal credentials ']) {
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
