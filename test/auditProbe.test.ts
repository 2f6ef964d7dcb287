import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_SOURCES } from '../activities/auditSources';
import { AUDIT_ACTIVITIES } from '../simulator/model/directoryAudit';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { auditFloor, keptAuditEventIds, storedAuditEventIds } from './support/auditTruth';
import { paceReportsFast } from './support/fastReports';
import { SyncHarness } from './support/syncHarness';
import { TEST_TLS_DIR } from './support/testTls';

// A run whose audit queries all read forward over the same short window first sends ONE
// unfiltered query for it: if its first page is the only one, it stands for every filtered
// forward read; if it has more, it is dropped and the filtered queries go as before
// (docs/architecture.md, "Audit spans").

const PAGE = 4;
const MINUTE = 60_000;
const AUDITS = '/v1.0/auditLogs/directoryAudits';
const TIME_ONLY = /^activityDateTime ge \S+Z and activityDateTime le \S+Z$/;
const FILTERED = /^startswith\(activityDisplayName, '[^']+'\) and activityDateTime ge \S+Z and activityDateTime le \S+Z$/;

let sim: RunningSimulator;
let harness: SyncHarness;

beforeAll(async () => {
  // Small report pages, so a handful of new events is more than a page; a one-minute overlap, so
  // the forward window holds only what the test adds between runs.
  // Which requests the probe sends is proven here, not their pace: reports at the tests' faster pace on both sides.
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 53, users: 20, reportPageSize: PAGE, throttling: paceReportsFast() });
  harness = await SyncHarness.start(sim.config, { auditPagesPerRun: 200, auditOverlapMs: MINUTE });
});

afterAll(async () => {
  await harness?.stop();
  await sim?.close();
});

const filterOf = (path: string) => new URL(path, 'https://graph.invalid').searchParams.get('$filter') ?? '';
const auditFilters = () => sim.requestLog.entries().filter((e) => e.path.startsWith(AUDITS)).map((e) => filterOf(e.path));
const truth = (since: number) => keptAuditEventIds(sim, since);
const stored = () => storedAuditEventIds(harness);
const floor = () => auditFloor(harness);
const highs = async () =>
  (await harness.query<{ high: Date }>('select high from audit_sources where connector_id = $1', [harness.connectorId])).map((r) => r.high.getTime());
/** New credential events on the simulator's first applications: kept events, newer than every span. */
function addCredentialEvents(count: number): void {
  const apps = sim.tenant.activeObjects('applications');
  for (let i = 0; i < count; i++) sim.tenant.addPasswordCredential(apps[i % apps.length]!.id, { displayName: `probe ${i}` });
}

describe('the unfiltered probe of a quiet audit window', () => {
  beforeAll(async () => {
    // The first runs backfill 30 days with filtered queries only (no forward window yet).
    for (let runs = 0; ; runs++) {
      expect(runs, 'runs to finish the backfill').toBeLessThan(4);
      await harness.sync();
      const pending = await harness.query<{ n: number }>('select count(*)::int as n from audit_sources where connector_id = $1 and low > floor', [harness.connectorId]);
      if (pending[0]!.n === 0) break;
    }
    expect(await stored()).toEqual(truth(await floor()));
  }, 300_000);

  it('sends one audit request for a quiet incremental run and stores exactly the ground truth', async () => {
    addCredentialEvents(1);
    sim.requestLog.clear();
    const before = Date.now();

    await harness.sync();

    const filters = auditFilters();
    expect(filters).toHaveLength(1);
    expect(filters[0]).toMatch(TIME_ONLY);
    expect(await stored()).toEqual(truth(await floor()));
    // Every query's span moved forward to the run's bound, as if each filtered query had read it.
    for (const high of await highs()) expect(high).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  }, 120_000);

  it('goes on unfiltered when the rest of the window is worth fewer pages than the filtered queries, and stores exactly the ground truth', async () => {
    addCredentialEvents(PAGE * 2);
    sim.requestLog.clear();
    const before = Date.now();

    await harness.sync();

    // The new events are at the end of the window, so its first page (oldest first) reached them:
    // two or three more pages, against one request per filtered query.
    const filters = auditFilters();
    expect(filters.length).toBeGreaterThanOrEqual(3);
    expect(filters.length).toBeLessThan(AUDIT_SOURCES.length);
    expect(filters.filter((f) => !TIME_ONLY.test(f))).toEqual([]);
    expect(await stored()).toEqual(truth(await floor()));
    for (const high of await highs()) expect(high).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  }, 120_000);

  it('falls back to the filtered queries when the first page covers too little of the window, and stores exactly the ground truth', async () => {
    // Late events crowded at the start of the next run's window (its oldest end, read first): a page
    // of them covers a second or two of the window, so reading it unfiltered would take many pages.
    const from = Math.min(...(await highs())) - MINUTE;
    const app = sim.tenant.activeObjects('applications')[0]!;
    for (let i = 0; i < PAGE * 2; i++) {
      sim.tenant.recordDirectoryAudit({
        activityDisplayName: AUDIT_ACTIVITIES.addOwnerToApplication,
        category: 'ApplicationManagement',
        activityDateTime: new Date(from + 1000 + i * 100).toISOString(),
        targetResources: [{ id: app.id, displayName: app.displayName as string, type: 'Application', userPrincipalName: null, groupType: null, modifiedProperties: [] }],
      });
    }
    sim.requestLog.clear();
    const before = Date.now();

    await harness.sync();

    const filters = auditFilters();
    // One probe, dropped after its first page, then every filtered query.
    expect(filters[0]).toMatch(TIME_ONLY);
    expect(filters.slice(1).filter((f) => TIME_ONLY.test(f))).toEqual([]);
    expect(filters.slice(1).every((f) => FILTERED.test(f))).toBe(true);
    expect(new Set(filters.slice(1).map((f) => /'([^']+)'/.exec(f)![1])).size).toBe(AUDIT_SOURCES.length);
    expect(await stored()).toEqual(truth(await floor()));
    for (const high of await highs()) expect(high).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  }, 120_000);
});
