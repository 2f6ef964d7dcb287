import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRANTED_PERMISSIONS } from '../simulator/identity/clientApplication';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { createDiscoveryWorker } from '../workers/createDiscoveryWorker';
import { SyncHarness } from './support/syncHarness';
import { TEST_TLS_DIR } from './support/testTls';

// Microsoft Graph's reports limit: 5 requests per 10 s per app and tenant, directoryAudits and
// signIns together (docs/graph-behaviour.md, "Throttling"). The audit pull runs on the sync
// worker, the sign-ins pull on the discovery worker: they must share one budget.
//
// The judge is the simulator's request log: the time the simulator received each report request,
// the clock Graph counts by. The simulator's own reports limiter is lifted for this test, so a
// broken budget is not hidden (or slowed past the test's deadline) by 429s and retries: every
// request the connector sends lands in the log at the time it arrived. The connector's budget
// (4 in 12.5 s) leaves 2.5 s for a request to be late, so the count holds with both cores busy.

const REPORTS_PER_10S = 5;
const PAGE = 8;
const REPORTS = ['/v1.0/auditLogs/directoryAudits', '/v1.0/auditLogs/signIns'];

let sim: RunningSimulator;

beforeAll(async () => {
  const grantedPermissions = [...DEFAULT_GRANTED_PERMISSIONS, 'DelegatedPermissionGrant.Read.All'];
  // Small report pages, so both pulls need several requests at the same time.
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 91, users: 200, reportPageSize: PAGE, grantedPermissions, throttling: { reportsLimit: 10_000 } });
});

afterAll(async () => {
  await sim?.close();
});

/** The most requests of `times` (ms, the simulator's receipt times) inside any 10 s window. */
function busiestWindow(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j]! - sorted[i]! >= 10_000) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

describe('the reports budget', () => {
  it('keeps audit events (sync worker) and sign-ins (discovery worker) together under 5 requests per 10 s', async () => {
    const taskQueue = `discovery-${randomBytes(3).toString('hex')}`;
    const harness = await SyncHarness.start(sim.config, { discovery: { taskQueue, startTimeoutMs: 60_000 } });
    const worker = await createDiscoveryWorker({ connection: harness.connections.native, namespace: 'default', taskQueue, db: harness.db, secrets: harness.secrets });
    const running = worker.run();
    try {
      const now = Date.now();
      const audits = [...sim.tenant.directoryAudits.newestFirst()].filter((e) => Date.parse(e.activityDateTime) >= now - 30 * 86_400_000);
      const signIns = [...sim.tenant.signIns.newestFirst()].filter((s) => Date.parse(s.createdDateTime) >= now - 7 * 86_400_000);
      // Each pull alone needs more than the limit's 5 requests.
      expect(Math.min(audits.length, signIns.length)).toBeGreaterThan(REPORTS_PER_10S * PAGE);
      sim.requestLog.clear();

      const { summary } = await harness.sync();

      const reports = sim.requestLog.entries().filter((e) => REPORTS.some((path) => e.path.startsWith(path)));
      expect(reports.filter((e) => e.path.startsWith(REPORTS[0]!)).length).toBeGreaterThan(REPORTS_PER_10S);
      expect(reports.filter((e) => e.path.startsWith(REPORTS[1]!)).length).toBeGreaterThan(REPORTS_PER_10S);
      expect(reports.filter((e) => e.status !== 200)).toEqual([]);
      const receivedAt = reports.map((e) => Date.parse(e.time));
      expect(busiestWindow(receivedAt), `report requests received at ${receivedAt.map((t) => t - receivedAt[0]!).join(', ')} ms`).toBeLessThanOrEqual(REPORTS_PER_10S);
      expect(summary.streams.signIns).toMatchObject({ upserted: signIns.length, coverage: 'complete' });
    } finally {
      worker.shutdown();
      await running;
      await harness.stop();
    }
  });
});
