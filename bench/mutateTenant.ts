import type { SimulatedTenant } from '../simulator/server';
import { createRandom } from '../simulator/generate/random';

/**
 * Changes about `fraction` of the tenant's objects the way a working day does: profile edits,
 * joiners and leavers, membership moves, new secrets, app setting changes. Returns how many.
 */
export function mutateTenant(sim: Pick<SimulatedTenant, 'tenant'>, fraction: number, seed: number): number {
  const random = createRandom(seed + 1);
  const tenant = sim.tenant;
  const users = tenant.activeObjects('users');
  const groups = tenant.activeObjects('groups');
  const apps = tenant.activeObjects('applications');
  const sps = tenant.activeObjects('servicePrincipals');
  const count = (n: number, share: number) => Math.max(1, Math.round(n * fraction * share));
  let changed = 0;
  const pick = <T>(items: T[]) => items[random.int(0, items.length - 1)]!;
  const attempt = (change: () => void) => {
    try {
      change();
      changed++;
    } catch {
      // A random pick can be invalid (already deleted, already a member): skip it.
    }
  };

  for (let i = 0; i < count(users.length, 0.6); i++) attempt(() => tenant.updateUser(pick(users).id, { jobTitle: `Title ${random.int(0, 999_999)}` }));
  for (let i = 0; i < count(users.length, 0.2); i++) attempt(() => tenant.createUser({}));
  for (let i = 0; i < count(users.length, 0.1); i++) attempt(() => tenant.softDeleteUser(pick(users).id));
  for (let i = 0; i < count(users.length, 0.1); i++) attempt(() => tenant.hardDeleteUser(pick(users).id));
  for (let i = 0; i < count(users.length, 0.3); i++) attempt(() => tenant.addGroupMember(pick(groups).id, pick(users).id));
  for (let i = 0; i < count(groups.length, 1); i++) attempt(() => tenant.updateObject('groups', pick(groups).id, { description: `Changed ${random.int(0, 999_999)}` }));
  for (let i = 0; i < count(apps.length, 1); i++) attempt(() => tenant.addPasswordCredential(pick(apps).id, {}));
  for (let i = 0; i < count(sps.length, 1); i++) {
    const sp = pick(sps);
    attempt(() => tenant.updateObject('servicePrincipals', sp.id, { appRoleAssignmentRequired: !sp.appRoleAssignmentRequired }));
  }
  return changed;
}
