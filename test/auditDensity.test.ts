import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_SOURCES } from '../activities/auditSources';
import { runStreams } from '../client/cli/runRecords';
import { AUDIT_ACTIVITIES } from '../simulator/model/directoryAudit';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { SyncMetrics } from '../workers/metrics';
import { auditFloor, keptAuditEventIds, storedAuditEventIds } from './support/auditTruth';
import { paceReportsFast } from './support/fastReports';
import { SyncHarness } from './support/syncHarness';
import { TEST_TLS_DIR } from './support/testTls';

// A bulk operation can log more events of one activity inside one overlap window than a run's
// page budget reads. The query's read, cut short, continues next run where it stopped; the other
// queries still get a page each run; and the stream says how far behind it is until it caught up
// (docs/inventory.md, "Audit progress under any density").

const PAGE = 10;
const PAGES_PER_RUN = 20;
const MINUTE = 60_000;
const OVERLAP = 10 * MINUTE;
/** More events than a run's whole budget reads (20 pages of 10), all inside the overlap window. */
const BULK = 300;
const DENSE_QUERY = 'Add app role assignment';
/** Activities of queries read after the dense one in a run: they got nothing while it stalled. */
const OTHERS = [AUDIT_ACTIVITIES.consentToApplication, AUDIT_ACTIVITIES.addDelegatedPermissionGrant, AUDIT_ACTIVITIES.addServicePrincipalCredentials];

let sim: RunningSimulator;
let harness: SyncHarness;

beforeAll(async () => {
  // Which pages a run reads is proven here, not their pace: reports at the tests' faster pace on both sides.
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 29, users: 20, reportPageSize: PAGE, throttling: paceReportsFast() });
  harness = await SyncHarness.start(sim.config, { auditPagesPerRun: PAGES_PER_RUN, auditOverlapMs: OVERLAP });
});

afterAll(async () => {
  await harness?.stop();
  await sim?.close();
});

const truth = (since: number) => keptAuditEventIds(sim, since);
const stored = () => storedAuditEventIds(harness);
const floor = () => auditFloor(harness);
const pendingBackfill = async () =>
  (await harness.query<{ n: number }>('select count(*)::int as n from audit_sources where connector_id = $1 and low > floor', [harness.connectorId]))[0]!.n;
/** The run's upper bound, as its pull recorded it. */
const runBound = async (syncRunId: number) =>
  (await harness.query<{ watermark: Date }>(`select watermark from sync_run_streams where run_id = $1 and stream = 'credentialAuditEvents'`, [syncRunId]))[0]!.watermark.getTime();

describe('audit progress under any density', () => {
  beforeAll(async () => {
    // The first runs backfill 30 days; afterwards every query reads forward from the same edge.
    for (let runs = 0; (await pendingBackfill()) > 0 || runs === 0; runs++) {
      expect(runs, 'runs to finish the backfill').toBeLessThan(6);
      await harness.sync();
    }
    expect(await stored()).toEqual(truth(await floor()));
  }, 300_000);

  it('reads a window denser than the page budget to its end over runs, reads the other queries every run, and reports the lag until caught up', async () => {
    const [{ high }] = (await harness.query<{ high: Date }>('select min(high) as high from audit_sources where connector_id = $1', [harness.connectorId])) as [{ high: Date }];
    // A bulk assignment whose events reach the log late, within the overlap before every query's
    // edge, from its start: the run's one unfiltered query over the window finds it too dense after
    // a page, and the filtered queries go instead.
    const bulk = Array.from({ length: BULK }, (_, i) =>
      sim.tenant.recordDirectoryAudit({
        activityDisplayName: AUDIT_ACTIVITIES.addAppRoleAssignmentGrantToUser,
        activityDateTime: new Date(high.getTime() - OVERLAP + 2_000 + i * 1_500).toISOString(),
      }),
    );
    const bulkTimes = new Map(bulk.map((e) => [e.id, Date.parse(e.activityDateTime)]));
    const lags: number[] = [];

    for (let runs = 0; ; runs++) {
      // Three runs read 300 events at 11 pages a run (9 are left for the others); two more are slack.
      expect(runs, `runs to read the bulk; stored ${(await stored()).filter((id) => bulkTimes.has(id)).length} of ${BULK}`).toBeLessThan(5);
      const fresh = OTHERS.map((activityDisplayName) => sim.tenant.recordDirectoryAudit({ activityDisplayName }));

      const { summary } = await harness.sync();

      const ids = new Set(await stored());
      // The other queries were read in this run: their new events are in.
      expect(fresh.filter((e) => !ids.has(e.id)).map((e) => e.activityDisplayName)).toEqual([]);
      const lag = summary.streams.credentialAuditEvents!.auditLagSeconds!;
      expect(Object.keys(lag).sort()).toEqual([...AUDIT_SOURCES].sort());
      expect(Object.entries(lag).filter(([query, seconds]) => query !== DENSE_QUERY && seconds !== 0)).toEqual([]);
      // The run record says the same as the summary.
      expect((await runStreams(harness.db, summary.syncRunId)).find((s) => s.stream === 'credentialAuditEvents')!.auditLag).toEqual(lag);
      const missing = bulk.filter((e) => !ids.has(e.id));
      lags.push(lag[DENSE_QUERY]!);
      if (missing.length === 0) break;
      // Behind by what is left: from the newest bulk event read to the run's bound.
      const newestRead = Math.max(...[...bulkTimes].filter(([id]) => ids.has(id)).map(([, at]) => at));
      expect(lag[DENSE_QUERY]).toBe(Math.ceil(((await runBound(summary.syncRunId)) - newestRead) / 1000));

      const metrics = new SyncMetrics();
      metrics.recordCommitted(harness.connectorId, summary);
      expect(await metrics.registry.metrics()).toContain(`entra_sync_audit_lag_seconds{connector="${harness.connectorId}",query="${DENSE_QUERY}"} ${lag[DENSE_QUERY]}`);
    }

    // It took more than one run, each saying it was behind, and ended caught up.
    expect(lags.length).toBeGreaterThan(1);
    expect(lags.slice(0, -1).every((seconds) => seconds > 0)).toBe(true);
    expect(lags.at(-1)).toBe(0);
    expect(await stored()).toEqual(truth(await floor()));
  }, 300_000);
});
