import { describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../simulator/server';
import { useSyncFixture } from './support/syncFixture';
import { SyncHarness } from './support/syncHarness';

// Audit events reach the log late: Microsoft documents 99% within 5 minutes, and nothing about
// the rest (docs/graph-behaviour.md, "Per-object and report endpoints"). Each run re-reads an
// overlap before its watermark (ENTRA_AUDIT_OVERLAP), deduplicating by id.

let sim: RunningSimulator;
let harness: SyncHarness;

const MINUTE = 60_000;
const storedEventIds = async (h: SyncHarness) =>
  (await h.query<{ id: string }>('select id from credential_audit_events where connector_id = $1', [h.connectorId])).map((r) => r.id);
const watermark = async (h: SyncHarness) =>
  (await h.query<{ watermark: Date }>('select watermark from audit_watermarks where connector_id = $1', [h.connectorId]))[0]!.watermark.getTime();
/** A credential event that reaches the log now, although it happened `lateByMs` before `at`. */
const lateCredentialEvent = (at: number, lateByMs: number) =>
  sim.tenant.recordDirectoryAudit({
    activityDisplayName: 'Add service principal credentials',
    category: 'ApplicationManagement',
    activityDateTime: new Date(at - lateByMs).toISOString(),
  });

useSyncFixture({ seed: 81, users: 60, pageSize: 50 }, (started) => ({ sim, harness } = started));

describe('the audit watermark overlap', () => {
  it('stores, once, a credential event that reached the log 30 minutes after it happened', async () => {
    // The newest event fetched becomes the watermark: make it "now".
    sim.tenant.recordDirectoryAudit({ activityDisplayName: 'Update user', category: 'UserManagement', activityDateTime: new Date().toISOString() });
    await harness.sync();
    const late = lateCredentialEvent(await watermark(harness), 30 * MINUTE);

    const { summary } = await harness.sync();

    expect(summary.streams.credentialAuditEvents).toMatchObject({ mode: 'incremental', upserted: 1 });
    expect(await storedEventIds(harness)).toContain(late.id);
    const stored = (await storedEventIds(harness)).length;
    await harness.sync(); // re-read inside the overlap again: deduplicated by id
    expect((await storedEventIds(harness)).length).toBe(stored);
  });

  it('continues a connector upgraded from the single unfiltered query at its watermark, with nothing to backfill', async () => {
    // What a connector synced before the filtered queries has: a watermark, no per-query spans.
    await harness.sync();
    await harness.query('delete from audit_sources where connector_id = $1', [harness.connectorId]);
    const mark = await watermark(harness);
    const inside = lateCredentialEvent(mark, 10 * MINUTE);
    sim.requestLog.clear();

    await harness.sync();

    const audits = sim.requestLog.entries().filter((e) => e.path.startsWith('/v1.0/auditLogs/directoryAudits'));
    const filters = audits.map((e) => new URL(e.path, 'https://graph.invalid').searchParams.get('$filter')!);
    expect(filters.length).toBeGreaterThan(0);
    // Forward reads only, each from the old watermark less the default overlap of 1 hour.
    for (const filter of filters) expect(Date.parse(/activityDateTime ge (\S+) and/.exec(filter)![1]!)).toBe(Math.floor((mark - 60 * MINUTE) / 1000) * 1000);
    expect(audits.every((e) => new URL(e.path, 'https://graph.invalid').searchParams.get('$orderby') === 'activityDateTime asc')).toBe(true);
    expect(await storedEventIds(harness)).toContain(inside.id);
    const pending = await harness.query<{ n: number }>('select count(*)::int as n from audit_sources where connector_id = $1 and low > floor', [harness.connectorId]);
    expect(pending[0]!.n).toBe(0);
  });

  it('reads back exactly ENTRA_AUDIT_OVERLAP before the watermark when it is set', async () => {
    const narrow = await SyncHarness.start(sim.config, { auditOverlapMs: 10 * MINUTE });
    try {
      await narrow.sync();
      const mark = await watermark(narrow);
      const inside = lateCredentialEvent(mark, 5 * MINUTE);
      sim.requestLog.clear();

      await narrow.sync();

      const audits = sim.requestLog.entries().filter((e) => e.path.startsWith('/v1.0/auditLogs/directoryAudits'));
      const since = decodeURIComponent(audits[0]!.path).match(/activityDateTime ge (\S+) and/)?.[1];
      expect(Date.parse(since!)).toBe(Math.floor((mark - 10 * MINUTE) / 1000) * 1000);
      expect(await storedEventIds(narrow)).toContain(inside.id);
    } finally {
      await narrow.stop();
    }
  });
});
