import { describe, expect, it } from 'vitest';
import { ROLE_TEMPLATE_IDS } from '../simulator/model/directoryRoles';
import { roleAssignments } from '../simulator/tenant/groundTruth';
import { privilegedAccess, type PrivilegedAccessTruth } from '../simulator/tenant/privilegedAccessTruth';
import type { RunningSimulator } from '../simulator/server';
import { recordHistoryIfAsked } from './support/histories';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

let sim: RunningSimulator;
let harness: SyncHarness;
const DAY = 86_400_000;
const sorted = (items: string[]) => [...items].sort();
const lowerFirst = (type: string) => type.charAt(0).toLowerCase() + type.slice(1);
const iso = (value: Date | string | null) => (value === null ? 'none' : new Date(value).toISOString());

type AccessRow = {
  principal_id: string;
  principal_type: string;
  role_definition_id: string;
  directory_scope_id: string;
  assignment_state: string;
  assignment_type: string | null;
  end_at: Date | null;
  assignment_id: string;
  granted_via: string;
  via_group_id: string | null;
};

const truthKey = (t: PrivilegedAccessTruth) =>
  [t.principalId, lowerFirst(t.principalType), t.roleDefinitionId, t.directoryScopeId, t.state, t.assignmentType ?? '', iso(t.endDateTime), t.sourceId, t.grantedVia, t.viaGroupId ?? ''].join('|');
const rowKey = (r: AccessRow) =>
  [r.principal_id, r.principal_type, r.role_definition_id, r.directory_scope_id, r.assignment_state, r.assignment_type ?? '', iso(r.end_at), r.assignment_id, r.granted_via, r.via_group_id ?? ''].join('|');

useSyncFixture({ seed: 23, users: 300, pageSize: 50 }, (started) => ({ sim, harness } = started));

describe('privileged access: PIM eligibilities, time-bound and permanent role holders', () => {
  it('equal the ground truth, through role-assignable groups and at administrative-unit scopes', async () => {
    const t = sim.tenant;
    // A role-assignable group eligible for Global Administrator until a date, reaching its member.
    const group = t.activeObjects('groups').find((g) => g.isAssignableToRole)!;
    const [member, scoped] = t.activeUsers().filter((u) => u.userType === 'Member' && u.accountEnabled);
    t.addGroupMember(group.id, member!.id);
    const groupEnd = new Date(Date.now() + 60 * DAY).toISOString();
    const viaGroup = t.addRoleEligibility({ principalId: group.id, roleDefinitionId: ROLE_TEMPLATE_IDS.globalAdministrator, endDateTime: groupEnd });
    const unitObject = t.addAdministrativeUnit({ displayName: 'Region Nordics' });
    const unit = `/administrativeUnits/${unitObject.id}`;
    t.addRoleEligibility({ principalId: scoped!.id, roleDefinitionId: ROLE_TEMPLATE_IDS.userAdministrator, directoryScopeId: unit });
    // An active assignment made time-bound.
    const active = t.assignDirectoryRole({ principalId: scoped!.id, roleDefinitionId: ROLE_TEMPLATE_IDS.privilegedRoleAdministrator });
    const activeEnd = new Date(Date.now() + 10 * DAY).toISOString();
    t.scheduleActiveRole(active.id, { endDateTime: activeEnd });

    const run = await harness.sync();
    await recordHistoryIfAsked(harness.client, run, 'pim-bootstrap-succeeded');
    const { streams } = run.summary;
    expect(streams.directoryRoleEligibilities).toMatchObject({ mode: 'full', upserted: t.currentRoleEligibilities().length, coverage: 'complete' });
    expect(streams.directoryRoleActiveSchedules).toMatchObject({ mode: 'full', upserted: roleAssignments(t).length, coverage: 'complete' });

    // Every holder of every role, active or eligible, directly or through a group.
    const rows = await harness.query<AccessRow>(
      `select principal_id, principal_type, role_definition_id, directory_scope_id, assignment_state, assignment_type, end_at, assignment_id, granted_via, via_group_id
         from directory_role_access_members where connector_id = $1`,
      [harness.connectorId],
    );
    const truth = privilegedAccess(t);
    expect(truth.some((a) => a.state === 'eligible' && a.grantedVia === 'group')).toBe(true);
    expect(truth.some((a) => a.state === 'active' && a.endDateTime !== null)).toBe(true);
    expect(sorted(rows.map(rowKey))).toEqual(sorted(truth.map(truthKey)));

    // The posture view answers per principal and role: how, until when, via which group, at which scope.
    const view = (principalId: string) =>
      harness.query(
        `select role_name, access, end_date_time, granted_via, via_group_name, scope_type, scope_id, scope_name, principal_name
           from privileged_role_members where connector_id = $1 and principal_id = $2 order by role_name, access`,
        [harness.connectorId, principalId],
      );
    expect(await view(member!.id)).toContainEqual({
      role_name: 'Global Administrator', access: 'eligible', end_date_time: new Date(groupEnd), granted_via: 'group', via_group_name: group.displayName,
      scope_type: 'tenant', scope_id: null, scope_name: null, principal_name: member!.userPrincipalName,
    });
    expect(await view(scoped!.id)).toEqual(expect.arrayContaining([
      expect.objectContaining({ role_name: 'Privileged Role Administrator', access: 'active_time_bound', end_date_time: new Date(activeEnd), granted_via: 'direct' }),
      expect.objectContaining({ role_name: 'User Administrator', access: 'eligible', end_date_time: null, scope_type: 'administrativeUnit', scope_id: unitObject.id, scope_name: 'Region Nordics' }),
    ]));
    const eligiblePaths = await harness.query(
      `select principal_id, via_group_id, eligibility_id from privileged_role_eligibilities where connector_id = $1 and via_group_id is not null`,
      [harness.connectorId],
    );
    expect(eligiblePaths).toContainEqual({ principal_id: member!.id, via_group_id: group.id, eligibility_id: viaGroup.id });
    // Every unit-scoped row names its unit as the tenant does.
    const units = new Map(t.administrativeUnits.all().map((u) => [u.id, u.displayName]));
    const unitRows = await harness.query<{ scope_id: string; scope_name: string | null }>(
      `select distinct scope_id, scope_name from privileged_role_members where connector_id = $1 and scope_type = 'administrativeUnit'`,
      [harness.connectorId],
    );
    expect(unitRows.length).toBeGreaterThan(1);
    for (const row of unitRows) expect(row.scope_name, row.scope_id).toBe(units.get(row.scope_id));
    expect(streams.administrativeUnits).toMatchObject({ mode: 'full', upserted: units.size, coverage: 'complete' });
    const permanent = await harness.query<{ n: number }>(
      `select count(*)::int as n from privileged_role_members where connector_id = $1 and access = 'active_permanent'`,
      [harness.connectorId],
    );
    expect(permanent[0]!.n).toBeGreaterThan(0);
  });

  it('without Entra ID P2 or ID Governance records the PIM streams unavailable, and the run commits everything else', async () => {
    const t = sim.tenant;
    t.setPimLicensed(false);
    try {
      const newcomer = t.assignDirectoryRole({ principalId: t.activeUsers().filter((u) => u.userType === 'Member')[5]!.id, roleDefinitionId: ROLE_TEMPLATE_IDS.globalAdministrator });
      const run = await harness.sync();
      for (const stream of ['directoryRoleEligibilities', 'directoryRoleActiveSchedules']) {
        expect(run.summary.streams[stream], stream).toMatchObject({ coverage: 'unavailable', coverageReason: expect.stringContaining('Microsoft Entra ID P2') });
      }
      const [row] = await harness.query(`select status from sync_runs where workflow_id = $1 and workflow_run_id = $2`, [run.workflowId, run.workflowRunId]);
      expect(row).toEqual({ status: 'succeeded' });
      // Active assignments still come from roleAssignments, the newcomer included; nobody can tell their windows.
      const assignments = await harness.query<{ id: string }>(`select id from directory_role_assignments where connector_id = $1`, [harness.connectorId]);
      expect(sorted(assignments.map((a) => a.id))).toEqual(sorted(roleAssignments(t).map((a) => a.id)));
      expect(assignments.map((a) => a.id)).toContain(newcomer.id);
      const states = await harness.query<{ access: string }>(`select distinct access from privileged_role_members where connector_id = $1`, [harness.connectorId]);
      expect(states).toEqual([{ access: 'active' }]);
      const schedules = await harness.query<{ n: number }>(`select count(*)::int as n from directory_role_schedule_instances where connector_id = $1`, [harness.connectorId]);
      expect(schedules[0]!.n).toBe(0);
    } finally {
      t.setPimLicensed(true);
    }
  });
});
