import { createRandom } from '../../simulator/generate/random';
import type { TenantStore } from '../../simulator/tenant/tenantStore';
import { changeApplier } from '../../reliability/tenantChanges';

/**
 * Changes of every kind a tail pass reads, through the simulator's tenant store (its control API
 * in process, which records the audit events Graph would): users created, updated and deleted, a
 * group created and updated, memberships, a group owner, app owners, app role assignments,
 * directory role assignments and eligibilities, a new secret. No PIM for Groups schedule and no
 * administrative unit: full runs read those (docs/run-lifecycle.md).
 */
export function changeTenantForTail(tenant: TenantStore, seed: number): string[] {
  const random = createRandom(seed);
  const applied: string[] = [];
  const change = changeApplier(applied);
  const pick = <T>(items: readonly T[]) => random.pick(items);
  const user = () => pick(tenant.activeObjects('users'));
  const someGroup = () => pick(tenant.activeObjects('groups'));
  const apps = () => tenant.activeObjects('applications');
  const sps = () => tenant.activeObjects('servicePrincipals');
  const role = () => pick(tenant.roleDefinitions).id;

  change('user created', () => void tenant.createUser({}));
  change('user updated', () => void tenant.updateUser(user().id, { jobTitle: `Title ${random.int(0, 999_999)}` }));
  change('user soft-deleted', () => void tenant.softDeleteUser(user().id));
  const group = tenant.createGroup({ displayName: `Tail ${seed}`, securityEnabled: true });
  applied.push('group created');
  change('group updated', () => void tenant.updateObject('groups', someGroup().id, { description: `Tail ${random.int(0, 999_999)}` }));
  change('member added', () => tenant.addGroupMember(group.id, user().id));
  change('member removed', () => {
    const g = pick(tenant.activeObjects('groups').filter((x) => tenant.memberships.sortedMembersOf(x.id).length > 0));
    tenant.removeGroupMember(g.id, pick(tenant.memberships.sortedMembersOf(g.id)));
  });
  change('group owner added', () => tenant.addGroupOwner(someGroup().id, user().id));
  change('app owner added', () => tenant.addOwner(pick(apps()).id, user().id));
  change('service principal owner added', () => tenant.addOwner(pick(sps()).id, user().id));
  change('app role assigned', () => void tenant.assignAppRole({ resourceId: pick(sps()).id, principalId: user().id }));
  change('directory role assigned', () => void tenant.assignDirectoryRole({ principalId: user().id, roleDefinitionId: role() }));
  change('directory role eligibility added', () => void tenant.addRoleEligibility({ principalId: user().id, roleDefinitionId: role() }));
  change('secret added', () => void tenant.addPasswordCredential(pick(apps()).id, {}));
  return applied;
}
