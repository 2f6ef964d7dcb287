import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_ACTIVITIES, type DirectoryAudit } from '../simulator/model/directoryAudit';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { paceReportsFast } from './support/fastReports';
import { SyncHarness } from './support/syncHarness';
import { TEST_TLS_DIR } from './support/testTls';

// The audit pull asks Graph only for the activities the connector keeps, one documented filter
// per activity (docs/graph-behaviour.md, "Filters on directoryAudits"), and reads at most
// ENTRA_AUDIT_PAGES_PER_RUN report pages a run: the first run the most recent events, later runs
// the new events first and then the rest of the 30 days (docs/architecture.md, "Audit events").

const DAY = 86_400_000;
const MINUTE = 60_000;
const PAGES_PER_RUN = 12;
/** The activities kept, as live logs (and the simulator) name them: the ground truth's side. */
const KEPT = new Set<string>([
  AUDIT_ACTIVITIES.updateApplicationCredentials,
  AUDIT_ACTIVITIES.addServicePrincipalCredentials,
  AUDIT_ACTIVITIES.removeServicePrincipalCredentials,
  AUDIT_ACTIVITIES.updateExternalSecrets,
  AUDIT_ACTIVITIES.addOwnerToApplication,
  AUDIT_ACTIVITIES.addAppRoleAssignmentToServicePrincipal,
  AUDIT_ACTIVITIES.consentToApplication,
  AUDIT_ACTIVITIES.addDelegatedPermissionGrant,
]);
const AUDITS = '/v1.0/auditLogs/directoryAudits';

let sim: RunningSimulator;
let harness: SyncHarness;

beforeAll(async () => {
  // One event per report page, so 30 days of kept events need more pages than one run may read.
  // The page budget is what this proves, not the pace: reports run at a fifth of the time, both sides.
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 97, users: 40, reportPageSize: 1, throttling: paceReportsFast() });
  harness = await SyncHarness.start(sim.config, { auditPagesPerRun: PAGES_PER_RUN });
});

afterAll(async () => {
  await harness?.stop();
  await sim?.close();
});

/** Kept events of the simulator's log at or after `since`, newest first. */
const truth = (since: number): DirectoryAudit[] =>
  [...sim.tenant.directoryAudits.newestFirst()].filter((e) => KEPT.has(e.activityDisplayName) && Date.parse(e.activityDateTime) >= since);
const stored = async () =>
  harness.query<{ id: string; data: DirectoryAudit }>('select id, data from credential_audit_events where connector_id = $1', [harness.connectorId]);
const pendingBackfill = async () =>
  (await harness.query<{ n: number }>('select count(*)::int as n from audit_sources where connector_id = $1 and low > floor', [harness.connectorId]))[0]!.n;
const auditRequests = () => sim.requestLog.entries().filter((e) => e.path.startsWith(AUDITS));
/** At the faster pace too, the workers' spacing keeps inside the simulator's window: never a 429. */
const expectNeverThrottled = () => expect(auditRequests().filter((e) => e.status === 429)).toEqual([]);

const filterOf = (path: string) => new URL(path, 'https://graph.invalid').searchParams.get('$filter') ?? '';

/** Every directoryAudits request asks for one kept activity by name, within a time range. */
function expectOnlyFilteredRequests(paths: string[]): void {
  expect(paths.length).toBeGreaterThan(0);
  for (const path of paths) {
    const filter = filterOf(path);
    expect(filter).toMatch(/^startswith\(activityDisplayName, '[^']+'\) and activityDateTime ge \S+Z and activityDateTime le \S+Z$/);
  }
}

describe('audit events within a page budget per run, backfilled', () => {
  it('reads the newest events first, backfills the rest over later runs and ends equal to the ground truth', async () => {
    const startedAt = Date.now();
    sim.requestLog.clear();

    await harness.sync();

    // At most the budget. First the one unfiltered query over the whole look-back (a small
    // tenant's month would fit in its page); here it has more, so the filtered queries follow.
    expect(auditRequests().length).toBeLessThanOrEqual(PAGES_PER_RUN);
    const [probe, ...filtered] = auditRequests().map((e) => e.path);
    expect(filterOf(probe!)).toMatch(/^activityDateTime ge \S+Z and activityDateTime le \S+Z$/);
    expectOnlyFilteredRequests(filtered);
    expectNeverThrottled();
    const [{ floor }] = (await harness.query<{ floor: Date }>('select min(floor) as floor from audit_sources where connector_id = $1', [harness.connectorId])) as [{ floor: Date }];
    // The look-back is 30 days before the first run.
    expect(floor.getTime()).toBeGreaterThanOrEqual(startedAt - 30 * DAY - 1000);
    expect(floor.getTime()).toBeLessThanOrEqual(Date.now() - 30 * DAY + 1000);
    const expected = truth(floor.getTime());
    const first = await stored();
    const firstIds = new Set(first.map((e) => e.id));
    // Not all of it yet: the backfill is still to do, and committed as such.
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(expected.length);
    expect(await pendingBackfill()).toBeGreaterThan(0);
    expect(first.every((e) => expected.some((t) => t.id === e.id))).toBe(true);
    for (const activity of KEPT) {
      // What is in of an activity is its newest events, without a hole.
      const kept = expected.filter((e) => e.activityDisplayName === activity).map((e) => firstIds.has(e.id));
      expect([activity, kept]).toEqual([activity, [...kept].sort((a, b) => Number(b) - Number(a))]);
    }

    // Between runs: a new credential event, and an owner event that reaches the log 20 minutes late.
    const app = sim.tenant.activeObjects('applications')[0]!;
    sim.tenant.addPasswordCredential(app.id, { displayName: 'between runs' });
    sim.tenant.recordDirectoryAudit({
      activityDisplayName: AUDIT_ACTIVITIES.addOwnerToApplication,
      category: 'ApplicationManagement',
      activityDateTime: new Date(Date.now() - 20 * MINUTE).toISOString(),
      targetResources: [{ id: app.id, displayName: app.displayName as string, type: 'Application', userPrincipalName: null, groupType: null, modifiedProperties: [] }],
    });

    let runs = 1;
    while ((await pendingBackfill()) > 0) {
      // Each later run reads its ten forward queries first, so it backfills two pages of twelve.
      expect(runs, 'runs to finish the backfill').toBeLessThan(10);
      sim.requestLog.clear();
      await harness.sync();
      runs += 1;
      expect(auditRequests().length).toBeLessThanOrEqual(PAGES_PER_RUN);
      expectOnlyFilteredRequests(auditRequests().map((e) => e.path));
      expectNeverThrottled();
    }
    await harness.sync(); // a run after the backfill re-reads its overlap: nothing doubles

    const final = await stored();
    const want = truth(floor.getTime());
    expect(final.map((e) => e.id).sort()).toEqual(want.map((e) => e.id).sort());
    // The budget made it take several runs (the first, then at least two more).
    expect(runs).toBeGreaterThan(2);
    // Owner and app role assignment events keep their targets (they decide which apps to re-read).
    for (const event of want.filter((e) => e.activityDisplayName.startsWith('Add '))) {
      expect(final.find((e) => e.id === event.id)!.data.targetResources).toEqual(event.targetResources);
    }
  }, 480_000); // report pages are paced (at a fifth of the reports limit's time here): several runs of them
});
