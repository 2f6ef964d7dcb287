import { describe, expect, inject, it } from 'vitest';
import type { RunSummary } from '../activities';
import type { RunningSimulator } from '../simulator/server';
import { SyncMetrics } from '../workers/metrics';
import { runCli } from './support/cliProcess';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

// One app or service principal whose read keeps failing (403, or 404 while it exists) must not
// stop the tenant's sync (docs/inventory.md, "A target that cannot be read"): the run commits the
// rest, keeps that target's last known rows, reports it, and reads it again after a back-off
// (15 minutes, doubling).

let sim: RunningSimulator;
let harness: SyncHarness;

const MINUTE_MS = 60_000;
const sorted = (items: string[]) => [...items].sort();
const rows = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => harness.query<T>(sql, [harness.connectorId, ...params]);
const ownersOf = async (id: string) => sorted((await rows<{ owner_id: string }>('select owner_id from owners where connector_id = $1 and object_id = $2', [id])).map((r) => r.owner_id));
const assignmentsOf = async (id: string) =>
  sorted((await rows<{ id: string }>('select id from app_role_assignments where connector_id = $1 and resource_id = $2', [id])).map((r) => r.id));
const lastReadBy = async (id: string) => (await rows<{ run_id: string }>('select run_id from reconcile_reads where connector_id = $1 and object_id = $2', [id]))[0]?.run_id;
const failureOf = async (id: string) =>
  (
    await rows<{ failures: number; kind: string; backoff_ms: number }>(
      `select failures, kind, (extract(epoch from retry_at - last_failed_at) * 1000)::float8 as backoff_ms from reconcile_failures where connector_id = $1 and object_id = $2`,
      [id],
    )
  )[0];
/** Requests the simulator answered for a target's owners, inside $batch or direct. */
const ownersRequests = (path: string) => [...sim.requestLog.entries(), ...sim.subRequestLog.entries()].filter((e) => e.path.startsWith(path)).length;
const clearLogs = () => {
  sim.requestLog.clear();
  sim.subRequestLog.clear();
};
const unread = (summary: RunSummary) => new Map((summary.unreadTargets ?? []).map((t) => [t.objectId, t]));
/** Due for its retry now: what the back-off's time passing does. */
const retryNow = () => rows(`update reconcile_failures set retry_at = now() - interval '1 second' where connector_id = $1`);

/** An audit-logged owner change: a reason for the next run to read the object (docs/inventory.md). */
function addLoggedOwner(id: string): string {
  const owners = sim.tenant.activeOwnersOf(id);
  const user = sim.tenant.activeObjects('users').find((u) => !owners.includes(u.id))!;
  sim.tenant.addOwner(id, user.id);
  return user.id;
}

useSyncFixture({ seed: 97, users: 150, pageSize: 50 }, (started) => ({ sim, harness } = started));

describe('a target whose read keeps failing', () => {
  it('is reported and retried after a back-off while the rest commits, keeps its last known rows, and recovers', async () => {
    const t = sim.tenant;
    const bootstrap = await harness.sync();
    const withRows = (s: { id: string }) => t.activeOwnersOf(s.id).length > 0 && t.activeAppRoleAssignmentsOf(s.id).length > 0;
    const [forbidden, healthy] = t.activeObjects('servicePrincipals').filter(withRows);
    if (!forbidden || !healthy) throw new Error('the seed has fewer than two service principals with owners and assignments');
    const missing = t.activeObjects('applications').find((a) => t.activeOwnersOf(a.id).length > 0)!;
    const known = { forbidden: await ownersOf(forbidden.id), forbiddenAssignments: await assignmentsOf(forbidden.id), missing: await ownersOf(missing.id) };
    expect(known.forbidden).toEqual(sorted(t.activeOwnersOf(forbidden.id)));

    // All three get a logged owner: this run has a reason to read each.
    for (const target of [forbidden, missing, healthy]) addLoggedOwner(target.id);
    // A new app, owned, whose owners Graph refuses from the start: no run has ever read them.
    const fresh = t.createApplication({ displayName: 'Never read' });
    const freshOwner = addLoggedOwner(fresh.id);
    const forbiddenPath = `/v1.0/servicePrincipals/${forbidden.id}/owners`;
    const missingPath = `/v1.0/applications/${missing.id}/owners`;
    const freshPath = `/v1.0/applications/${fresh.id}/owners`;
    // Every request for them fails, inside $batch and direct, until the faults are removed.
    const faults = [
      sim.faults.add({ pathPrefix: forbiddenPath, status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.', probability: 1 }),
      sim.faults.add({ pathPrefix: missingPath, status: 404, code: 'Request_ResourceNotFound', message: `Resource '${missing.id}' does not exist.`, probability: 1 }),
      sim.faults.add({ pathPrefix: freshPath, status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.', probability: 1 }),
    ];
    const ownerless = async (id: string) => (await rows('select 1 from ownerless_apps where connector_id = $1 and id = $2', [id])).length > 0;

    const failing = await harness.sync();

    // The run committed the rest.
    expect(await ownersOf(healthy.id)).toEqual(sorted(t.activeOwnersOf(healthy.id)));
    expect(await lastReadBy(healthy.id)).toBe(String(failing.summary.syncRunId));
    // The bad targets keep their last known rows, and their last read stays the bootstrap's.
    expect(await ownersOf(forbidden.id)).toEqual(known.forbidden);
    expect(await assignmentsOf(forbidden.id)).toEqual(known.forbiddenAssignments);
    expect(await ownersOf(missing.id)).toEqual(known.missing);
    expect(await lastReadBy(forbidden.id)).toBe(String(bootstrap.summary.syncRunId));
    // Reported: the summary, the metric, `runs show`.
    const reported = unread(failing.summary);
    expect([...reported.keys()].sort()).toEqual(sorted([forbidden.id, missing.id, fresh.id]));
    // Never read is not "no owner": the new app is live, without owner rows, and not called ownerless.
    expect(await rows('select 1 from applications where connector_id = $1 and id = $2 and deleted_at is null', [fresh.id])).toHaveLength(1);
    expect(await ownersOf(fresh.id)).toEqual([]);
    expect(await ownerless(fresh.id)).toBe(false);
    expect(reported.get(forbidden.id)).toMatchObject({ objectType: 'servicePrincipal', kind: 'forbidden', failures: 1, attempted: true });
    expect(reported.get(missing.id)).toMatchObject({ objectType: 'application', kind: 'notFound', failures: 1, attempted: true });
    const metrics = new SyncMetrics();
    metrics.recordCommitted(harness.connectorId, failing.summary);
    const scraped = await metrics.registry.metrics();
    expect(scraped).toContain(`entra_sync_reconcile_unread_targets{connector="${harness.connectorId}",kind="forbidden"} 2`);
    expect(scraped).toContain(`entra_sync_reconcile_unread_targets{connector="${harness.connectorId}",kind="notFound"} 1`);
    const shown = await runCli(['runs', 'show', String(failing.summary.syncRunId)], { DATABASE_URL: harness.databaseUrl, TEMPORAL_ADDRESS: inject('temporalAddress') });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`servicePrincipal/${forbidden.id}`);
    expect(shown.stdout).toMatch(new RegExp(`application/${missing.id}\\s+notFound\\s+1\\s+failed`));
    // First back-off: 15 minutes.
    expect(await failureOf(forbidden.id)).toEqual({ failures: 1, kind: 'forbidden', backoff_ms: 15 * MINUTE_MS });

    // Within the back-off nothing reads them, though their audit events are still in the overlap window.
    clearLogs();
    const waiting = await harness.sync();
    expect(ownersRequests(forbiddenPath) + ownersRequests(missingPath) + ownersRequests(freshPath)).toBe(0);
    expect(unread(waiting.summary).get(forbidden.id)).toMatchObject({ failures: 1, attempted: false });

    // Once due they are read again; still failing, the back-off doubles.
    await retryNow();
    clearLogs();
    const retried = await harness.sync();
    expect(ownersRequests(forbiddenPath)).toBeGreaterThan(0);
    expect(ownersRequests(missingPath)).toBeGreaterThan(0);
    expect(unread(retried.summary).get(missing.id)).toMatchObject({ failures: 2, attempted: true });
    expect(await failureOf(forbidden.id)).toEqual({ failures: 2, kind: 'forbidden', backoff_ms: 30 * MINUTE_MS });
    expect(await ownersOf(forbidden.id)).toEqual(known.forbidden);

    // The fault goes away: the next due read commits the truth and clears the failure.
    for (const fault of faults) sim.faults.remove(fault.id);
    await retryNow();
    const recovered = await harness.sync();
    expect(await ownersOf(forbidden.id)).toEqual(sorted(t.activeOwnersOf(forbidden.id)));
    expect(await assignmentsOf(forbidden.id)).toEqual(sorted(t.activeAppRoleAssignmentsOf(forbidden.id).map((a) => a.id)));
    expect(await ownersOf(missing.id)).toEqual(sorted(t.activeOwnersOf(missing.id)));
    expect(await ownersOf(fresh.id)).toEqual([freshOwner]);
    expect(await lastReadBy(forbidden.id)).toBe(String(recovered.summary.syncRunId));
    expect(await lastReadBy(missing.id)).toBe(String(recovered.summary.syncRunId));
    expect(recovered.summary.unreadTargets).toBeUndefined();
    expect(await rows('select 1 from reconcile_failures where connector_id = $1')).toEqual([]);
    metrics.recordCommitted(harness.connectorId, recovered.summary);
    expect(await metrics.registry.metrics()).toContain(`entra_sync_reconcile_unread_targets{connector="${harness.connectorId}",kind="forbidden"} 0`);
  });
});
