import { describe, expect, it } from 'vitest';
import { appRoleAssignments, directMemberships, effectiveEntitlements, ownerships, roleAssignments } from '../simulator/tenant/groundTruth';
import type { RunningSimulator } from '../simulator/server';
import { recordHistoryIfAsked } from './support/histories';
import { keptActivity } from './support/keptAuditActivities';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

let sim: RunningSimulator;
let harness: SyncHarness;
const sorted = (items: string[]) => [...items].sort();
const rows = <T extends Record<string, unknown>>(sql: string) => harness.query<T>(sql, [harness.connectorId]);

async function expectRelationshipsMatchTruth(): Promise<void> {
  const t = sim.tenant;
  const owners = await rows<{ k: string }>(`select object_type || '/' || object_id || '/' || owner_id || '/' || owner_type as k from owners where connector_id = $1`);
  expect(sorted(owners.map((r) => r.k)), 'owners').toEqual(sorted(ownerships(t).map((o) => `${o.objectType}/${o.objectId}/${o.ownerId}/${o.ownerType}`)));

  const assignments = await rows<{ k: string }>(`select id || '/' || principal_id || '/' || principal_type || '/' || resource_id || '/' || app_role_id as k from app_role_assignments where connector_id = $1`);
  expect(sorted(assignments.map((r) => r.k)), 'app role assignments').toEqual(
    sorted(appRoleAssignments(t).map((a) => `${a.id}/${a.principalId}/${a.principalType}/${a.resourceId}/${a.appRoleId}`)),
  );

  const roles = await rows<{ k: string }>(`select id || '/' || principal_id || '/' || role_definition_id || '/' || directory_scope_id as k from directory_role_assignments where connector_id = $1`);
  expect(sorted(roles.map((r) => r.k)), 'directory role assignments').toEqual(
    sorted(roleAssignments(t).map((a) => `${a.id}/${a.principalId}/${a.roleDefinitionId}/${a.directoryScopeId}`)),
  );

  const entitlements = await rows<{ k: string }>(
    `select principal_id || '/' || principal_type || '/' || resource_id || '/' || app_role_id || '/' || assignment_id || '/' || granted_via || '/' || via_group_id as k
       from effective_entitlements where connector_id = $1`,
  );
  expect(sorted(entitlements.map((r) => r.k)), 'effective entitlements').toEqual(
    sorted(effectiveEntitlements(t).map((e) => `${e.principalId}/${e.principalType}/${e.resourceId}/${e.appRoleId}/${e.assignmentId}/${e.grantedVia}/${e.viaGroupId ?? ''}`)),
  );
}

const credentialEventIds = () =>
  [...sim.tenant.directoryAudits.newestFirst()]
    .filter((e) => Date.parse(e.activityDateTime) >= Date.now() - 30 * 86_400_000 && keptActivity(e.activityDisplayName))
    .map((e) => e.id);

useSyncFixture({ seed: 41, users: 400, pageSize: 50 }, (started) => ({ sim, harness } = started));

describe('owners, app role assignments, directory roles, entitlements and credential audit events', () => {
  it('equal the ground truth after a bootstrap, reaching users through a group but never a nested one', async () => {
    const t = sim.tenant;
    // A chain outer ⊃ inner ⊃ user: an assignment to outer reaches its direct user members only.
    const [user, nestedUser] = t.activeObjects('users');
    const outer = t.createGroup({ displayName: 'App access', securityEnabled: true });
    const inner = t.createGroup({ displayName: 'Nested team', securityEnabled: true });
    t.addGroupMember(outer.id, user!.id);
    t.addGroupMember(outer.id, inner.id);
    t.addGroupMember(inner.id, nestedUser!.id);
    const app = t.activeObjects('servicePrincipals')[0]!;
    const viaGroup = t.assignAppRole({ resourceId: app.id, principalId: outer.id });

    const run = await harness.sync();
    await recordHistoryIfAsked(harness.client, run, 'relationships-bootstrap-succeeded');
    const { streams } = run.summary;

    expect(streams.owners).toMatchObject({ mode: 'full', upserted: ownerships(t).length });
    expect(streams.appRoleAssignments).toMatchObject({ mode: 'full', upserted: appRoleAssignments(t).length });
    expect(streams.directoryRoleAssignments).toMatchObject({ mode: 'full', upserted: roleAssignments(t).length });
    expect(streams.credentialAuditEvents).toMatchObject({ mode: 'bootstrap', upserted: credentialEventIds().length });
    await expectRelationshipsMatchTruth();

    const reach = await harness.query<{ principal_id: string; granted_via: string; via_group_id: string }>(
      `select principal_id, granted_via, via_group_id from effective_entitlements where connector_id = $1 and assignment_id = $2`,
      [harness.connectorId, viaGroup.id],
    );
    expect(reach).toContainEqual({ principal_id: user!.id, granted_via: 'group', via_group_id: outer.id });
    expect(reach.map((r) => r.principal_id)).not.toContain(nestedUser!.id);
    expect(directMemberships(t).some((m) => m.groupId === inner.id && m.memberId === nestedUser!.id)).toBe(true);

    const events = await harness.query(`select id from credential_audit_events where connector_id = $1`, [harness.connectorId]);
    expect(sorted(events.map((e) => e.id as string))).toEqual(sorted(credentialEventIds()));
    const access = await harness.query(`select principal_name, granted_via, via_group_name from app_access where connector_id = $1 and principal_id = $2 and app_id = $3`, [
      harness.connectorId,
      user!.id,
      app.id,
    ]);
    expect(access).toContainEqual({ principal_name: user!.userPrincipalName, granted_via: 'group', via_group_name: 'App access' });
    const privileged = await harness.query<{ n: number }>(`select count(*)::int as n from privileged_role_members where connector_id = $1`, [harness.connectorId]);
    expect(privileged[0]!.n).toBeGreaterThan(0);
    const ownerless = await harness.query<{ id: string }>(`select id from ownerless_apps where connector_id = $1`, [harness.connectorId]);
    const owned = new Set(ownerships(t).map((o) => o.objectId));
    const truthOwnerless = [...t.activeObjects('applications'), ...t.activeObjects('servicePrincipals')].filter((o) => !owned.has(o.id)).map((o) => o.id);
    expect(sorted(ownerless.map((o) => o.id))).toEqual(sorted(truthOwnerless));
    const withKeys = await harness.query<{ n: number }>(`select count(*)::int as n from credential_audit_events where connector_id = $1 and cardinality(key_ids) > 0`, [harness.connectorId]);
    expect(withKeys[0]!.n).toBeGreaterThan(0);
  });

  // A deleted object's 404 in $batch, confirmed before it counts: test/batchNotFound.test.ts.
  it('retries a throttled $batch sub-request, follows nextLinks inside sub-responses', async () => {
    const t = sim.tenant;
    const [sp] = t.activeObjects('servicePrincipals');
    for (const u of t.activeObjects('users').slice(0, 130)) {
      try {
        t.assignAppRole({ resourceId: sp!.id, principalId: u.id });
      } catch {
        // already assigned
      }
    }
    expect(t.activeAppRoleAssignmentsOf(sp!.id).length).toBeGreaterThan(100); // more than one page
    sim.faults.add({ pathPrefix: `/v1.0/servicePrincipals/${sp!.id}/owners`, status: 429, times: 2, retryAfterSeconds: 1 });
    sim.counters.reset();
    sim.requestLog.clear();

    const { summary } = await harness.sync();

    const snapshot = sim.counters.snapshot();
    expect(JSON.stringify(snapshot.endpoints)).toContain('"429"');
    const nextLinkFollowed = sim.requestLog.entries().some((e) => e.path.includes(`/servicePrincipals/${sp!.id}/appRoleAssignedTo`) && e.path.includes('skiptoken'));
    expect(nextLinkFollowed).toBe(true);
    const stored = await harness.query<{ n: number }>(`select count(*)::int as n from app_role_assignments where connector_id = $1 and resource_id = $2`, [harness.connectorId, sp!.id]);
    expect(stored[0]!.n).toBe(t.activeAppRoleAssignmentsOf(sp!.id).length);
    expect(summary.streams.appRoleAssignments!.upserted).toBeGreaterThanOrEqual(100);

    // The reconcile streams report the traffic they caused: every $batch once, every sub-request, every 429.
    const owners = summary.streams.owners!;
    const assignments = summary.streams.appRoleAssignments!;
    const reconcileEndpoint = /^\/v1\.0\/(applications|servicePrincipals)\/[^/]+\/(owners|appRoleAssignedTo)/;
    const log = sim.requestLog.entries();
    const batches = log.filter((e) => e.method === 'POST' && e.path.startsWith('/v1.0/$batch'));
    const linkPages = log.filter((e) => e.method === 'GET' && reconcileEndpoint.test(e.path));
    // PIM for Groups batches too: its list GETs, batches and sub-requests are its own stream's.
    const groupPim = summary.streams.groupPimSchedules!;
    const groupPimGets = log.filter((e) => e.method === 'GET' && /^\/v1\.0\/(groups\?|identityGovernance\/privilegedAccess\/group\/)/.test(e.path));
    expect(owners.requests).toBeGreaterThan(0);
    expect(owners.requests + assignments.requests + groupPim.requests).toBe(batches.length + linkPages.length + groupPimGets.length);
    expect(owners.subRequests + assignments.subRequests + groupPim.subRequests!).toBe(snapshot.totals.subRequests);
    // Two owners sub-requests were answered 429 by the fault, and retried.
    expect(owners.throttled).toBeGreaterThanOrEqual(2);
    const throttledSubResponses = Object.entries(snapshot.endpoints)
      .filter(([endpoint]) => /\/(owners|appRoleAssignedTo)$/.test(endpoint))
      .reduce((n, [, counters]) => n + (counters.statuses[429] ?? 0), 0);
    const throttledRequests = batches.filter((e) => e.status === 429).length;
    expect(owners.throttled + assignments.throttled).toBe(throttledSubResponses + throttledRequests);
    expect(owners.pages).toBeGreaterThan(0);
    const [recorded] = await harness.query<{ requests: number; sub_requests: number }>(
      `select requests, sub_requests from sync_run_streams where run_id = $1 and stream = 'owners'`,
      [summary.syncRunId],
    );
    expect(recorded).toEqual({ requests: owners.requests, sub_requests: owners.subRequests });
    sim.faults.clear();
  });

  it('resumes a retried directory-roles attempt at the page where the failed one stopped, not at page 1', async () => {
    const t = sim.tenant;
    const roles = t.roleDefinitions.map((d) => d.id);
    for (const [i, user] of t.activeObjects('users').slice(0, 250).entries()) {
      try {
        t.assignDirectoryRole({ principalId: user.id, roleDefinitionId: roles[i % roles.length]! });
      } catch {
        // already holds that role
      }
    }
    expect(t.activeRoleAssignments().length).toBeGreaterThan(200); // three pages of 100 at least
    sim.requestLog.clear();
    // The third assignments page fails with an error the activity does not retry in place: the
    // attempt dies after two pages, and Temporal retries the activity with its last heartbeat.
    const ASSIGNMENTS = '/v1.0/roleManagement/directory/roleAssignments';
    sim.faults.add({ pathPrefix: ASSIGNMENTS, nth: 3, status: 401, code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' });

    const { summary } = await harness.sync();

    const log = sim.requestLog.entries();
    const assignments = log.filter((e) => e.path.startsWith(ASSIGNMENTS));
    expect(assignments[2]!.status).toBe(401);
    expect(assignments[3]!.path).toBe(assignments[2]!.path);
    expect(assignments.filter((e) => !e.path.includes('$skiptoken'))).toHaveLength(1);
    // Definitions were read once, before the failure: the retry did not start the stream over.
    const failedAt = log.indexOf(assignments[2]!);
    expect(log.slice(failedAt).some((e) => e.path.startsWith('/v1.0/roleManagement/directory/roleDefinitions'))).toBe(false);
    expect(summary.streams.directoryRoleAssignments).toMatchObject({ mode: 'full' });
    await expectRelationshipsMatchTruth();
  });

  it('moves the audit watermark even without credential events, and the overlap never duplicates', async () => {
    const [before] = await harness.query<{ watermark: Date }>(`select watermark from audit_watermarks where connector_id = $1`, [harness.connectorId]);
    const count = async () => (await harness.query<{ n: number }>(`select count(*)::int as n from credential_audit_events where connector_id = $1`, [harness.connectorId]))[0]!.n;
    const stored = await count();
    sim.tenant.recordDirectoryAudit({ activityDisplayName: 'Update user', category: 'UserManagement', activityDateTime: new Date().toISOString() });

    const quiet = await harness.sync();

    expect(quiet.summary.streams.credentialAuditEvents).toMatchObject({ mode: 'incremental', upserted: 0 });
    expect(await count()).toBe(stored);
    const [after] = await harness.query<{ watermark: Date }>(`select watermark from audit_watermarks where connector_id = $1`, [harness.connectorId]);
    expect(after!.watermark.getTime()).toBeGreaterThan(before!.watermark.getTime());

    // A credential change inside the overlap window is stored once, however often it is re-read.
    const app = sim.tenant.activeObjects('applications')[0]!;
    sim.tenant.addPasswordCredential(app.id, { displayName: 'overlap test' });
    const first = await harness.sync();
    const second = await harness.sync();
    expect(first.summary.streams.credentialAuditEvents!.upserted).toBe(1);
    expect(second.summary.streams.credentialAuditEvents!.upserted).toBe(0);
    expect(await count()).toBe(stored + 1);
    await expectRelationshipsMatchTruth();
  });
});
