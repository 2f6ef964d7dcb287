import { createRandom } from '../../simulator/generate/random';
import type { TenantStore } from '../../simulator/tenant/tenantStore';
import { changeApplier } from '../../reliability/tenantChanges';

/**
 * Changes Graph sends change notifications for (users and groups, with membership changes on the
 * group: docs/graph-behaviour.md, "Change notifications"), through the simulator's tenant store:
 * a user created, updated and soft-deleted, a group created and updated, a member added and one
 * removed. Each leaves the tenant as a tail pass can read it. Returns the kinds applied.
 */
export function changeUsersAndGroups(tenant: TenantStore, seed: number): string[] {
  const random = createRandom(seed);
  const applied: string[] = [];
  const change = changeApplier(applied);
  const user = () => random.pick(tenant.activeObjects('users'));
  const someGroup = () => random.pick(tenant.activeObjects('groups'));
  change('user created', () => void tenant.createUser({}));
  change('user updated', () => void tenant.updateUser(user().id, { jobTitle: `Notified ${random.int(0, 999_999)}` }));
  // Not a holder of a PIM for Groups schedule: those are read by full runs only, so a pass could
  // not make the tables equal the tenant (docs/run-lifecycle.md, "Tail passes and full runs").
  const withoutGroupPim = () => {
    const holders = new Set(tenant.currentGroupPimSchedules().map((s) => s.principalId));
    return random.pick(tenant.activeObjects('users').filter((u) => !holders.has(u.id)));
  };
  change('user soft-deleted', () => void tenant.softDeleteUser(withoutGroupPim().id));
  change('group created', () => void tenant.createGroup({ displayName: `Notified ${seed}-${random.int(0, 999_999)}`, securityEnabled: true }));
  change('group updated', () => void tenant.updateObject('groups', someGroup().id, { description: `Notified ${random.int(0, 999_999)}` }));
  change('member added', () => tenant.addGroupMember(someGroup().id, user().id));
  change('member removed', () => {
    const group = random.pick(tenant.activeObjects('groups').filter((g) => tenant.memberships.sortedMembersOf(g.id).length > 0));
    tenant.removeGroupMember(group.id, random.pick(tenant.memberships.sortedMembersOf(group.id)));
  });
  return applied;
}
