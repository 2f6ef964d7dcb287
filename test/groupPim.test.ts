import { describe, expect, it } from 'vitest';
import { ROLE_TEMPLATE_IDS } from '../simulator/model/directoryRoles';
import type { GroupPimSchedule } from '../simulator/model/groupPimSchedules';
import { privilegedAccess, type PrivilegedAccessTruth } from '../simulator/tenant/privilegedAccessTruth';
import type { RunningSimulator } from '../simulator/server';
import type { TenantStore } from '../simulator/tenant/tenantStore';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

let sim: RunningSimulator;
let harness: SyncHarness;
const DAY = 86_400_000;
const sorted = (items: string[]) => [...items].sort();
const lowerFirst = (type: string) => type.charAt(0).toLowerCase() + type.slice(1);
const iso = (value: Date | string | null) => (value === null ? 'none' : new Date(value).toISOString());
/** Graph's page of a schedule-instance list holds 100 by default: more than that on one group needs its nextLink. */
const BEYOND_ONE_PAGE = 120;

type AccessRow = {
  principal_id: string;
  principal_type: string;
  role_definition_id: string;
  assignment_state: string;
  assignment_type: string | null;
  end_at: Date | null;
  assignment_id: string;
  granted_via: string;
  via_group_id: string | null;
  via_group_schedule_instance_id: string | null;
};
const truthKey = (t: PrivilegedAccessTruth) =>
  [t.principalId, lowerFirst(t.principalType), t.roleDefinitionId, t.state, t.assignmentType ?? '', iso(t.endDateTime), t.sourceId, t.grantedVia, t.viaGroupId ?? '', t.viaGroupScheduleInstanceId ?? ''].join('|');
const rowKey = (r: AccessRow) =>
  [r.principal_id, r.principal_type, r.role_definition_id, r.assignment_state, r.assignment_type ?? '', iso(r.end_at), r.assignment_id, r.granted_via, r.via_group_id ?? '', r.via_group_schedule_instance_id ?? ''].join('|');

/** What Graph lists for the groups the connector asks about: PIM for Groups on role-assignable groups. */
function expectedSchedules(t: TenantStore): GroupPimSchedule[] {
  const roleAssignable = new Set(t.activeObjects('groups').filter((g) => g.isAssignableToRole).map((g) => g.id));
  return t.currentGroupPimSchedules().filter((s) => roleAssignable.has(s.groupId));
}
const scheduleKey = (s: { kind: string; id: string; groupId: string; principalId: string; accessId: string; endDateTime: string | Date | null }) =>
  [s.kind, s.id, s.groupId, s.principalId, s.accessId, iso(s.endDateTime)].join('|');

useSyncFixture({ seed: 37, users: 300, pageSize: 50 }, (started) => ({ sim, harness } = started));

describe('PIM for Groups: eligible and time-bound memberships and ownerships of role-assignable groups', () => {
  it('equal the ground truth, and reach directory roles on the path groupPim', async () => {
    const t = sim.tenant;
    const [admins, approvers] = t.activeObjects('groups').filter((g) => g.isAssignableToRole);
    const crowd = approvers;
    const staff = t.activeUsers().filter((u) => u.userType === 'Member' && u.accountEnabled);
    const taken = new Set(t.currentGroupPimSchedules().map((s) => s.principalId));
    const [eligible, timeBound, owner, viaEligibleRole, ...rest] = staff.filter((u) => !taken.has(u.id));
    // A group holding Privileged Role Administrator for good; another only eligible for Global Administrator.
    t.assignDirectoryRole({ principalId: admins!.id, roleDefinitionId: ROLE_TEMPLATE_IDS.privilegedRoleAdministrator });
    t.addRoleEligibility({ principalId: approvers!.id, roleDefinitionId: ROLE_TEMPLATE_IDS.globalAdministrator });
    const eligibleEnd = new Date(Date.now() + 30 * DAY).toISOString();
    const membershipEnd = new Date(Date.now() + 5 * DAY).toISOString();
    const eligibility = t.addGroupPimSchedule({ kind: 'eligible', groupId: admins!.id, principalId: eligible!.id, accessId: 'member', endDateTime: eligibleEnd });
    t.addGroupPimSchedule({ kind: 'active', groupId: admins!.id, principalId: timeBound!.id, accessId: 'member', endDateTime: membershipEnd });
    t.addGroupPimSchedule({ kind: 'eligible', groupId: admins!.id, principalId: owner!.id, accessId: 'owner' });
    t.addGroupPimSchedule({ kind: 'active', groupId: approvers!.id, principalId: viaEligibleRole!.id, accessId: 'member' });
    // More eligibilities on one group than one page holds: the batch answer's nextLink must be followed.
    for (const user of rest.slice(0, BEYOND_ONE_PAGE)) t.addGroupPimSchedule({ kind: 'eligible', groupId: crowd!.id, principalId: user.id, accessId: 'member' });

    sim.subRequestLog.clear();
    const run = await harness.sync();
    const expected = expectedSchedules(t);
    const roleAssignable = t.activeObjects('groups').filter((g) => g.isAssignableToRole).length;
    expect(run.summary.streams.groupPimSchedules).toMatchObject({ mode: 'full', upserted: expected.length, coverage: 'complete' });

    // The copy holds every instance Graph lists for role-assignable groups, the second page of the crowd included.
    const stored = await harness.query<{ kind: string; id: string; group_id: string; principal_id: string; access_id: string; end_at: Date | null }>(
      `select kind, id, group_id, principal_id, access_id, end_at from group_pim_schedule_instances where connector_id = $1`,
      [harness.connectorId],
    );
    expect(sorted(stored.map((s) => scheduleKey({ ...s, groupId: s.group_id, principalId: s.principal_id, accessId: s.access_id, endDateTime: s.end_at })))).toEqual(
      sorted(expected.map(scheduleKey)),
    );
    expect(stored.filter((s) => s.group_id === crowd!.id).length).toBeGreaterThanOrEqual(BEYOND_ONE_PAGE);

    // Two scoped sub-requests per role-assignable group, in batches of 20 (Graph refuses them unscoped).
    const [traffic] = await harness.query<{ sub_requests: number }>(
      `select s.sub_requests from sync_run_streams s join sync_runs r on r.id = s.run_id
        where r.workflow_id = $1 and r.workflow_run_id = $2 and s.stream = 'groupPimSchedules'`,
      [run.workflowId, run.workflowRunId],
    );
    expect(traffic!.sub_requests).toBe(2 * roleAssignable);
    const scopedAsked = sim.subRequestLog
      .entries()
      .filter((e) => e.path.startsWith('/v1.0/identityGovernance/privilegedAccess/group/'))
      .map((e) => {
        const url = new URL(e.path, 'https://graph.invalid');
        return `${e.status} ${url.pathname.split('/').at(-1)} ${url.searchParams.get('$filter')}`;
      });
    const roleAssignableIds = t.activeObjects('groups').filter((g) => g.isAssignableToRole).map((g) => g.id);
    expect(sorted(scopedAsked)).toEqual(
      sorted(roleAssignableIds.flatMap((id) => ['eligibilityScheduleInstances', 'assignmentScheduleInstances'].map((c) => `200 ${c} groupId eq '${id}'`))),
    );
    const direct = sim.requestLog.entries().filter((e) => e.path.startsWith('/v1.0/identityGovernance/privilegedAccess/group/'));
    expect(direct.length).toBeGreaterThan(0);
    for (const entry of direct) {
      expect(decodeURIComponent(entry.path), 'only nextLinks are read outside a batch').toMatch(/\$skiptoken=/);
      expect(decodeURIComponent(entry.path)).toMatch(new RegExp(`groupId eq '${crowd!.id}'`));
      expect(entry.status).toBe(200);
    }

    // Every path to every role, the PIM for Groups ones included, as the tenant computes them.
    const rows = await harness.query<AccessRow>(
      `select principal_id, principal_type, role_definition_id, assignment_state, assignment_type, end_at, assignment_id, granted_via, via_group_id,
              via_group_schedule_instance_id
         from directory_role_access_members where connector_id = $1`,
      [harness.connectorId],
    );
    const truth = privilegedAccess(t);
    expect(truth.filter((a) => a.grantedVia === 'groupPim').length).toBeGreaterThanOrEqual(3);
    expect(sorted(rows.map(rowKey))).toEqual(sorted(truth.map(truthKey)));

    const view = (principalId: string) =>
      harness.query<{ granted_via: string }>(
        `select role_name, access, end_date_time, granted_via, via_group_name, via_group_schedule_instance_id
           from privileged_role_members where connector_id = $1 and principal_id = $2 and via_group_id is not null`,
        [harness.connectorId, principalId],
      );
    expect(await view(eligible!.id)).toContainEqual(
      { role_name: 'Privileged Role Administrator', access: 'eligible', end_date_time: new Date(eligibleEnd), granted_via: 'groupPim', via_group_name: admins!.displayName, via_group_schedule_instance_id: eligibility.id },
    );
    // The time-bound member holds the role until the membership ends, on that path only.
    const timeBoundPaths = await view(timeBound!.id);
    expect(timeBoundPaths).toContainEqual(
      expect.objectContaining({ role_name: 'Privileged Role Administrator', access: 'active_time_bound', end_date_time: new Date(membershipEnd), granted_via: 'groupPim' }),
    );
    expect(timeBoundPaths.filter((p) => p.granted_via === 'group')).toEqual([]);
    // Active in a group that is only eligible for the role: eligible.
    expect(await view(viaEligibleRole!.id)).toContainEqual(expect.objectContaining({ role_name: 'Global Administrator', access: 'eligible', granted_via: 'groupPim' }));
    const eligibilities = await harness.query(
      `select principal_id, via_group_id, role_name from privileged_role_eligibilities where connector_id = $1 and granted_via = 'groupPim' and principal_id = $2`,
      [harness.connectorId, eligible!.id],
    );
    expect(eligibilities).toContainEqual({ principal_id: eligible!.id, via_group_id: admins!.id, role_name: 'Privileged Role Administrator' });

    // An owner through PIM can add anyone to the group.
    const owners = await harness.query(
      `select group_id, owner_id, owner_name, access, holds_directory_role from privileged_group_pim_owners where connector_id = $1 and owner_id = $2`,
      [harness.connectorId, owner!.id],
    );
    expect(owners).toEqual([{ group_id: admins!.id, owner_id: owner!.id, owner_name: owner!.userPrincipalName, access: 'eligible', holds_directory_role: true }]);
  });

  it('sends a throttled sub-request again after its Retry-After, and still reads every instance', async () => {
    const t = sim.tenant;
    const fault = sim.faults.add({ pathPrefix: '/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances', status: 429, times: 2, retryAfterSeconds: 1 });
    try {
      const run = await harness.sync();
      expect(sim.faults.list().find((f) => f.id === fault.id)!.fired).toBe(2);
      expect(run.summary.streams.groupPimSchedules).toMatchObject({ coverage: 'complete' });
      expect(run.summary.streams.groupPimSchedules!.throttled).toBeGreaterThanOrEqual(2);
      const stored = await harness.query<{ kind: string; id: string; group_id: string; principal_id: string; access_id: string; end_at: Date | null }>(
        `select kind, id, group_id, principal_id, access_id, end_at from group_pim_schedule_instances where connector_id = $1`,
        [harness.connectorId],
      );
      expect(sorted(stored.map((s) => scheduleKey({ ...s, groupId: s.group_id, principalId: s.principal_id, accessId: s.access_id, endDateTime: s.end_at })))).toEqual(
        sorted(expectedSchedules(t).map(scheduleKey)),
      );
    } finally {
      sim.faults.remove(fault.id);
    }
  });

  it('without Entra ID P2 or ID Governance records the stream unavailable, and the run commits the rest', async () => {
    const t = sim.tenant;
    t.setPimLicensed(false);
    try {
      const run = await harness.sync();
      expect(run.summary.streams.groupPimSchedules).toMatchObject({ coverage: 'unavailable', coverageReason: expect.stringContaining('PIM for Groups') });
      const [row] = await harness.query(`select status from sync_runs where workflow_id = $1 and workflow_run_id = $2`, [run.workflowId, run.workflowRunId]);
      expect(row).toEqual({ status: 'succeeded' });
      const [left] = await harness.query<{ n: number }>(`select count(*)::int as n from group_pim_schedule_instances where connector_id = $1`, [harness.connectorId]);
      expect(left!.n).toBe(0);
      const paths = await harness.query<{ n: number }>(`select count(*)::int as n from directory_role_access_members where connector_id = $1 and granted_via = 'groupPim'`, [
        harness.connectorId,
      ]);
      expect(paths[0]!.n).toBe(0);
    } finally {
      t.setPimLicensed(true);
    }
  });
});
