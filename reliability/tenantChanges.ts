import { createRandom } from '../simulator/generate/random';
import type { TenantStore } from '../simulator/tenant/tenantStore';

/**
 * A scripted working day, applied after a scenario's sync so one more incremental sync has
 * something of every kind to land: creates, updates and deletes of users and groups, membership
 * moves, app owner, group owner and app role assignment changes, directory role assignments and
 * eligibilities, a PIM for Groups schedule and a new secret. Changes go through the simulator's
 * tenant store (its control API in process), which records the audit events Graph would.
 * Users, applications and service principals keep their counts, so every delta stream keeps a
 * middle page for the next scenario. Returns the kinds applied; throws when one could not be.
 */
export function changeTenant(tenant: TenantStore, seed: number): string[] {
  const random = createRandom(seed);
  const applied: string[] = [];
  /** Tries up to five random picks: one may be invalid (already a member, already gone). */
  const change = (kind: string, attempt: () => void) => {
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
  const users = () => tenant.activeObjects('users');
  const groups = () => tenant.activeObjects('groups');
  const sps = () => tenant.activeObjects('servicePrincipals');
  const apps = () => tenant.activeObjects('applications');
  const pick = <T>(items: readonly T[]) => random.pick(items);

  change('user created', () => void tenant.createUser({}));
  change('user created', () => void tenant.createUser({}));
  change('user updated', () => void tenant.updateUser(pick(users()).id, { jobTitle: `Title ${random.int(0, 999_999)}` }));
  change('user updated', () => void tenant.updateUser(pick(users()).id, { department: `Department ${random.int(0, 999_999)}` }));
  change('user soft-deleted', () => void tenant.softDeleteUser(pick(users()).id));
  change('user hard-deleted', () => tenant.hardDeleteUser(pick(users()).id));
  const group = tenant.createGroup({ displayName: `Changed day ${seed}`, securityEnabled: true });
  applied.push('group created');
  change('group updated', () => void tenant.updateObject('groups', pick(groups()).id, { description: `Changed ${random.int(0, 999_999)}` }));
  change('member added', () => tenant.addGroupMember(group.id, pick(users()).id));
  change('member added', () => tenant.addGroupMember(pick(groups()).id, pick(users()).id));
  change('member removed', () => {
    const g = pick(groups().filter((x) => tenant.memberships.sortedMembersOf(x.id).length > 0));
    tenant.removeGroupMember(g.id, pick(tenant.memberships.sortedMembersOf(g.id)));
  });
  change('group owner added', () => tenant.addGroupOwner(pick(groups()).id, pick(users()).id));
  change('app owner added', () => tenant.addOwner(pick(apps()).id, pick(users()).id));
  change('app owner removed', () => {
    const app = pick([...apps(), ...sps()].filter((o) => tenant.activeOwnersOf(o.id).length > 0));
    tenant.removeOwner(app.id, pick(tenant.activeOwnersOf(app.id)));
  });
  change('app role assigned', () => void tenant.assignAppRole({ resourceId: pick(sps()).id, principalId: pick(users()).id }));
  change('app role assignment removed', () => {
    const sp = pick(sps().filter((s) => tenant.activeAppRoleAssignmentsOf(s.id).length > 0));
    tenant.removeAppRoleAssignment(pick(tenant.activeAppRoleAssignmentsOf(sp.id)).id);
  });
  const role = () => pick(tenant.roleDefinitions).id;
  change('directory role assigned', () => void tenant.assignDirectoryRole({ principalId: pick(users()).id, roleDefinitionId: role() }));
  change('directory role assignment removed', () => tenant.removeDirectoryRoleAssignment(pick(tenant.activeRoleAssignments()).id));
  change('directory role eligibility added', () => void tenant.addRoleEligibility({ principalId: pick(users()).id, roleDefinitionId: role() }));
  change('PIM for Groups eligibility added', () => {
    const assignable = pick(groups().filter((g) => g.isAssignableToRole));
    void tenant.addGroupPimSchedule({ kind: 'eligible', groupId: assignable.id, principalId: pick(users()).id, accessId: 'member' });
    // Graph has no delta for PIM for Groups: a group's schedules are read again when the groups
    // delta reports the group, or when its periodic read is due (docs/architecture.md). A change
    // to the group itself is what an incremental run promises to see.
    tenant.updateObject('groups', assignable.id, { description: `PIM changed ${random.int(0, 999_999)}` });
  });
  change('secret added', () => void tenant.addPasswordCredential(pick(apps()).id, {}));
  return applied;
}
