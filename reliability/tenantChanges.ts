import type { DeltaStream } from '../shared/streams';
import { createRandom } from '../simulator/generate/random';
import type { TenantStore } from '../simulator/tenant/tenantStore';

/** The kinds of change applied, and per delta stream every object a change picked or created. */
export type TenantChanges = { applied: string[]; touched: Record<DeltaStream, Set<string>> };

/**
 * Applies one kind of change, trying up to five random picks (one may be invalid: already a
 * member, already gone), and records its kind in `applied`; throws when no pick worked.
 */
export function changeApplier(applied: string[]): (kind: string, attempt: () => void) => void {
  return (kind, attempt) => {
    for (let i = 0; i < 5; i++) {
      try {
        attempt();
        applied.push(kind);
        return;
      } catch {
        // another pick
      }
    }
    throw new Error(`the tenant change "${kind}" found nothing to apply to`);
  };
}

/**
 * A scripted working day, applied after a scenario's sync so one more incremental sync has
 * something of every kind to land: creates, updates and deletes of users and groups, membership
 * moves, app owner, group owner and app role assignment changes, directory role assignments and
 * eligibilities, a PIM for Groups schedule and a new secret. Changes go through the simulator's
 * tenant store (its control API in process), which records the audit events Graph would.
 * Users, applications and service principals keep their counts, so every delta stream keeps a
 * middle page for the next scenario. Throws when a change could not be applied.
 */
export function changeTenant(tenant: TenantStore, seed: number): TenantChanges {
  const random = createRandom(seed);
  const applied: string[] = [];
  const touched: TenantChanges['touched'] = { users: new Set(), groups: new Set(), applications: new Set(), servicePrincipals: new Set() };
  const mark = <T extends { id: string }>(stream: DeltaStream, object: T) => {
    touched[stream].add(object.id);
    return object;
  };
  const change = changeApplier(applied);
  const users = () => tenant.activeObjects('users');
  const groups = () => tenant.activeObjects('groups');
  const sps = () => tenant.activeObjects('servicePrincipals');
  const apps = () => tenant.activeObjects('applications');
  const pick = <T>(items: readonly T[]) => random.pick(items);
  const user = () => mark('users', pick(users()));
  const someGroup = () => mark('groups', pick(groups()));

  change('user created', () => void mark('users', tenant.createUser({})));
  change('user created', () => void mark('users', tenant.createUser({})));
  change('user updated', () => void tenant.updateUser(user().id, { jobTitle: `Title ${random.int(0, 999_999)}` }));
  change('user updated', () => void tenant.updateUser(user().id, { department: `Department ${random.int(0, 999_999)}` }));
  // A deleted user leaves its groups: the groups delta reports each of them (members@delta).
  const leaving = (id: string) => {
    for (const groupId of tenant.memberships.groupsOf(id)) touched.groups.add(groupId);
    return id;
  };
  change('user soft-deleted', () => void tenant.softDeleteUser(leaving(user().id)));
  change('user hard-deleted', () => tenant.hardDeleteUser(leaving(user().id)));
  const group = mark('groups', tenant.createGroup({ displayName: `Changed day ${seed}`, securityEnabled: true, isAssignableToRole: true }));
  applied.push('group created');
  change('group updated', () => void tenant.updateObject('groups', someGroup().id, { description: `Changed ${random.int(0, 999_999)}` }));
  change('member added', () => tenant.addGroupMember(group.id, user().id));
  change('member added', () => tenant.addGroupMember(someGroup().id, user().id));
  change('member removed', () => {
    const g = mark('groups', pick(groups().filter((x) => tenant.memberships.sortedMembersOf(x.id).length > 0)));
    const memberId = pick(tenant.memberships.sortedMembersOf(g.id));
    touched.users.add(memberId);
    tenant.removeGroupMember(g.id, memberId);
  });
  change('group owner added', () => tenant.addGroupOwner(someGroup().id, user().id));
  change('app owner added', () => tenant.addOwner(mark('applications', pick(apps())).id, user().id));
  change('app owner removed', () => {
    const app = pick([...apps(), ...sps()].filter((o) => tenant.activeOwnersOf(o.id).length > 0));
    touched.applications.add(app.id);
    touched.servicePrincipals.add(app.id);
    const ownerId = pick(tenant.activeOwnersOf(app.id));
    touched.users.add(ownerId);
    tenant.removeOwner(app.id, ownerId);
  });
  change('app role assigned', () => void tenant.assignAppRole({ resourceId: mark('servicePrincipals', pick(sps())).id, principalId: user().id }));
  change('app role assignment removed', () => {
    const sp = mark('servicePrincipals', pick(sps().filter((s) => tenant.activeAppRoleAssignmentsOf(s.id).length > 0)));
    const assignment = pick(tenant.activeAppRoleAssignmentsOf(sp.id));
    touched.users.add(assignment.principalId);
    touched.groups.add(assignment.principalId);
    tenant.removeAppRoleAssignment(assignment.id);
  });
  const role = () => pick(tenant.roleDefinitions).id;
  change('directory role assigned', () => void tenant.assignDirectoryRole({ principalId: user().id, roleDefinitionId: role() }));
  change('directory role assignment removed', () => {
    const assignment = pick(tenant.activeRoleAssignments());
    for (const stream of ['users', 'groups', 'servicePrincipals'] as const) touched[stream].add(assignment.principalId);
    tenant.removeDirectoryRoleAssignment(assignment.id);
  });
  change('directory role eligibility added', () => void tenant.addRoleEligibility({ principalId: user().id, roleDefinitionId: role() }));
  change('PIM for Groups eligibility added', () => {
    // The group created above is role-assignable, so a tenant without one still has a pick.
    const assignable = mark('groups', pick(groups().filter((g) => g.isAssignableToRole)));
    void tenant.addGroupPimSchedule({ kind: 'eligible', groupId: assignable.id, principalId: user().id, accessId: 'member' });
    // Graph has no delta for PIM for Groups: a group's schedules are read again when the groups
    // delta reports the group, or when its periodic read is due (docs/architecture.md). A change
    // to the group itself is what an incremental run promises to see.
    tenant.updateObject('groups', assignable.id, { description: `PIM changed ${random.int(0, 999_999)}` });
  });
  change('secret added', () => void tenant.addPasswordCredential(mark('applications', pick(apps())).id, {}));
  return { applied, touched };
}
