import { sample, type GenerationContext } from './generationContext';
import { createRandom, hashSeed } from './random';
import type { GroupProperties } from '../model/groupResource';
import type { ServicePrincipalProperties } from '../model/servicePrincipalResource';

/**
 * Owners of generated groups (users and service principals), from a random stream of their own so
 * the rest of the tenant is the same as before group owners existed. Microsoft 365 and
 * role-assignable groups always have owners; security groups often do; groups created in
 * Exchange (mail-enabled security, distribution) and groups synced from on-premises have none in
 * Graph, as Microsoft documents. Some are owned by one of the tenant's own service principals
 * (automation that manages a group).
 */
export function generateGroupOwners(
  context: GenerationContext,
  groups: readonly GroupProperties[],
  servicePrincipals: readonly ServicePrincipalProperties[],
): Map<string, string[]> {
  const random = createRandom(hashSeed(context.seed, 'group-owners'));
  const automation = servicePrincipals.filter((sp) => sp.appOwnerOrganizationId === context.identity.tenantId);
  const owners = new Map<string, string[]>();
  if (context.staff.length === 0) return owners;
  for (const group of groups) {
    const exchangeOrSynced = group.mailEnabled && !group.groupTypes.includes('Unified');
    if (exchangeOrSynced || group.onPremisesSyncEnabled) continue;
    const mustHave = group.groupTypes.includes('Unified') || group.isAssignableToRole === true;
    if (!mustHave && !random.chance(0.6)) continue;
    const ids = sample(random, context.staff, random.int(1, 3)).map((user) => user.id);
    if (automation.length > 0 && random.chance(0.1)) ids.push(random.pick(automation).id);
    owners.set(group.id, [...new Set(ids)]);
  }
  return owners;
}
