// Id formats Entra uses for relationship objects (not GUIDs), shared by generator and store.

import type { Random } from '../generate/random';

const hexOf = (guid: string) => guid.replace(/-/g, '');

/** App role assignment ids: 43 base64url characters starting with the principal id's bytes. */
export function appRoleAssignmentId(random: Random, principalId: string): string {
  return Buffer.from(hexOf(principalId) + hexOf(random.guid()), 'hex').toString('base64url').slice(0, 43);
}

/** Directory role assignment ids, e.g. "lAPpYvVpN0KRkAEhdxReEJC2sEqbR_9Hr48lds9SGHI-1". */
export function roleAssignmentId(random: Random): string {
  return `${Buffer.from(hexOf(random.guid()) + hexOf(random.guid()), 'hex').toString('base64url').slice(0, 43)}-1`;
}

/** Delegated grant ids: base64url of client, resource (and user) object ids, so one grant per triple. */
export function permissionGrantId(clientId: string, resourceId: string, principalId: string | null): string {
  return Buffer.from([clientId, resourceId, ...(principalId ? [principalId] : [])].map(hexOf).join(''), 'hex').toString('base64url');
}

/** PIM eligibility schedule-instance ids: the role-assignment id shape with Graph's "-e" suffix. */
export function roleEligibilityId(random: Random): string {
  return `${roleAssignmentId(random)}-e`;
}
