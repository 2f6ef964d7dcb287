import { randomBytes } from 'node:crypto';
import { decodeTimeoutType } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRANTED_PERMISSIONS } from '../simulator/identity/clientApplication';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { recordHistoryIfAsked } from './support/histories';
import { paceReportsFast } from './support/fastReports';
import { SyncHarness } from './support/syncHarness';
import { createDiscoveryWorker } from '../workers/createDiscoveryWorker';
import { TEST_TLS_DIR } from './support/testTls';

const WEEK_MS = 7 * 86_400_000;
let sim: RunningSimulator;

/** A sync harness with discovery on, plus a discovery worker on a task queue of this test's own. */
async function discoveryDeployment(options: { withWorker: boolean; startTimeoutMs?: number }) {
  const taskQueue = `discovery-${randomBytes(3).toString('hex')}`;
  const harness = await SyncHarness.start(sim.config, { discovery: { taskQueue, startTimeoutMs: options.startTimeoutMs ?? 60_000 } });
  let stopWorker = async () => undefined as void;
  if (options.withWorker) {
    const worker = await createDiscoveryWorker({
      connection: harness.connections.native,
      namespace: 'default',
      taskQueue,
      db: harness.db,
      secrets: harness.secrets,
    });
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running;
    };
  }
  return { harness, taskQueue, stop: async () => (await stopWorker(), await harness.stop()) };
}

const recentSignIns = () => [...sim.tenant.signIns.newestFirst()].filter((s) => Date.parse(s.createdDateTime) >= Date.now() - WEEK_MS);
const sorted = (items: string[]) => [...items].sort();

beforeAll(async () => {
  // Discovery needs DelegatedPermissionGrant.Read.All on top of what a sync needs.
  const grantedPermissions = [...DEFAULT_GRANTED_PERMISSIONS, 'DelegatedPermissionGrant.Read.All'];
  // What discovery reads is proven here, not the reports pace (reportsBudget.test.ts): both sides at a fifth of the time.
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 51, users: 300, pageSize: 100, grantedPermissions, throttling: paceReportsFast() });
});

afterAll(async () => {
  await sim?.close();
});

describe('SaaS discovery on its own worker and task queue', () => {
  it('gathers grants and a week of sign-ins equal to the ground truth, then only new sign-ins', async () => {
    const { harness, stop } = await discoveryDeployment({ withWorker: true });
    try {
      const run = await harness.sync();
      await recordHistoryIfAsked(harness.client, run, 'discovery-succeeded');
      const { summary } = run;

      const grants = [...sim.tenant.permissionGrants.all()];
      expect(summary.streams.permissionGrants).toMatchObject({ mode: 'full', upserted: grants.length, coverage: 'complete' });
      expect(summary.streams.signIns).toMatchObject({ mode: 'bootstrap', upserted: recentSignIns().length, coverage: 'complete' });
      const evidence = await harness.query<{ kind: string; source_id: string }>(`select kind, source_id from discovery_evidence where connector_id = $1`, [harness.connectorId]);
      expect(sorted(evidence.filter((e) => e.kind === 'consent_grant').map((e) => e.source_id))).toEqual(sorted(grants.map((g) => g.id)));
      expect(sorted(evidence.filter((e) => e.kind === 'sign_in').map((e) => e.source_id))).toEqual(sorted(recentSignIns().map((s) => s.id)));

      const apps = await harness.query<{ app_key: string; service_principal_id: string | null; status: string }>(
        `select app_key, service_principal_id, status from discovered_apps_with_status where connector_id = $1`,
        [harness.connectorId],
      );
      const signInApps = new Set(recentSignIns().map((s) => s.appId));
      for (const appId of signInApps) expect(apps.map((a) => a.app_key)).toContain(appId);
      const linked = apps.filter((a) => a.service_principal_id !== null);
      expect(linked.length).toBeGreaterThan(0);
      for (const a of linked) expect(sim.tenant.getObject('servicePrincipals', a.service_principal_id!)?.appId).toBe(a.app_key);

      const [user] = sim.tenant.activeObjects('users');
      const [sp] = sim.tenant.activeObjects('servicePrincipals');
      sim.tenant.recordSignIn({ userId: user!.id, appId: sp!.appId });
      sim.tenant.recordSignIn({ userId: user!.id, appId: sp!.appId });

      const second = await harness.sync();
      expect(second.summary.streams.signIns).toMatchObject({ mode: 'incremental', upserted: 2 });
      expect(second.summary.streams.permissionGrants!.upserted).toBe(0);

      // A sign-in that reaches the log 30 minutes after it happened is inside the 1-hour overlap.
      const [newest] = await harness.query<{ at: Date }>(
        `select max(occurred_at) as at from discovery_evidence where connector_id = $1 and kind = 'sign_in'`,
        [harness.connectorId],
      );
      const late = sim.tenant.recordSignIn({ userId: user!.id, appId: sp!.appId, createdDateTime: new Date(newest!.at.getTime() - 30 * 60_000).toISOString() });
      const third = await harness.sync();
      expect(third.summary.streams.signIns).toMatchObject({ mode: 'incremental', upserted: 1 });
      const stored = await harness.query(`select 1 from discovery_evidence where connector_id = $1 and source_id = $2`, [harness.connectorId, late.id]);
      expect(stored).toHaveLength(1);
    } finally {
      await stop();
    }
  });

  it('records sign-ins as unavailable on a tenant without P1/P2 and still succeeds with grants', async () => {
    const { harness, stop } = await discoveryDeployment({ withWorker: true });
    sim.tenant.setPremium(false);
    try {
      const { summary } = await harness.sync();
      expect(summary.streams.signIns).toMatchObject({ coverage: 'unavailable', upserted: 0 });
      expect(summary.streams.signIns!.coverageReason).toContain('P1 or P2');
      expect(summary.streams.permissionGrants).toMatchObject({ coverage: 'complete' });
      expect(summary.streams.permissionGrants!.upserted).toBeGreaterThan(0);
    } finally {
      sim.tenant.setPremium(true);
      await stop();
    }
  });

  it('fails naming the missing permission', async () => {
    const granted = [...sim.application.grantedPermissions];
    sim.application.grantedPermissions = granted.filter((p) => p !== 'DelegatedPermissionGrant.Read.All' && p !== 'Directory.Read.All');
    const { harness, stop } = await discoveryDeployment({ withWorker: true });
    try {
      const failure = await harness.failingSync();
      expect(failure.type).toBe('MissingPermission');
      expect(failure.message).toContain('DelegatedPermissionGrant.Read.All');
      expect(failure.message).toContain('Grant admin consent');
    } finally {
      sim.application.grantedPermissions = granted;
      await stop();
    }
  });

  it('fails within the bound, saying so, when no discovery worker polls its task queue', async () => {
    const { harness, taskQueue, stop } = await discoveryDeployment({ withWorker: false, startTimeoutMs: 3_000 });
    try {
      const failure = await harness.failingSync();
      await recordHistoryIfAsked(harness.client, failure, 'no-discovery-worker-failed');
      expect(failure.type).toBe('NoDiscoveryWorker');
      // Within the bound: the discovery activity timed out waiting to be picked up, never retried.
      const events = (await harness.client.workflow.getHandle(failure.workflowId, failure.workflowRunId).fetchHistory()).events ?? [];
      const timeouts = events.flatMap((e) => (e.activityTaskTimedOutEventAttributes ? [decodeTimeoutType(e.activityTaskTimedOutEventAttributes.failure?.timeoutFailureInfo?.timeoutType)] : []));
      expect(timeouts.length).toBeGreaterThan(0);
      expect(timeouts.every((type) => type === 'SCHEDULE_TO_START')).toBe(true);
      expect(events.some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toBe(false);
      expect(failure.message).toBe(
        `no discovery worker is polling task queue ${taskQueue}; start it with "npm run worker:discovery" (or the discovery-worker service of docker-compose.yml), or turn discovery off for this connector (ENTRA_DISCOVERY_ENABLED=false)`,
      );
      const [run] = await harness.query(`select status, error_kind from sync_runs where workflow_id = $1`, [failure.workflowId]);
      expect(run).toEqual({ status: 'failed', error_kind: 'NoDiscoveryWorker' });
    } finally {
      await stop();
    }
  });

  it('schedules nothing on the discovery queue when discovery is disabled', async () => {
    const harness = await SyncHarness.start(sim.config);
    try {
      const run = await harness.sync();
      expect(run.summary.streams.signIns).toBeUndefined();
      const history = await harness.client.workflow.getHandle(run.workflowId, run.workflowRunId).fetchHistory();
      const scheduled = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
      expect(scheduled).toContain('pullDelta');
      expect(scheduled).not.toContain('pullSignIns');
      expect(scheduled).not.toContain('pullPermissionGrants');
    } finally {
      await harness.stop();
    }
  });

  it('reads consent grants 999 to a page, the most Microsoft documents for a directory collection', async () => {
    // More user consents than one default page (100) holds, fewer than one page of 999.
    const existing = [...sim.tenant.permissionGrants.all()];
    const { clientId, resourceId } = existing[0]!;
    const consented = new Set(existing.filter((g) => g.clientId === clientId).map((g) => g.principalId));
    const users = sim.tenant.activeUsers().filter((u) => !consented.has(u.id));
    for (const user of users.slice(0, 250 - existing.length)) {
      sim.tenant.addPermissionGrant({ clientId, resourceId, principalId: user.id, consentType: 'Principal', scope: 'User.Read' });
    }
    const grants = [...sim.tenant.permissionGrants.all()];
    expect(grants.length).toBeGreaterThan(100);
    expect(grants.length).toBeLessThanOrEqual(999);
    const { harness, stop } = await discoveryDeployment({ withWorker: true });
    try {
      sim.requestLog.clear();
      const { summary } = await harness.sync();
      expect(summary.streams.permissionGrants).toMatchObject({ upserted: grants.length, pages: 1, coverage: 'complete' });
      const pagesServed = sim.requestLog.entries().filter((e) => e.path.startsWith('/v1.0/oauth2PermissionGrants') && e.status === 200);
      expect(pagesServed).toHaveLength(1);
    } finally {
      await stop();
    }
  });
});
