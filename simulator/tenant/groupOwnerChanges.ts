// Owners of groups: users or service principals, delta-tracked like members (owners@delta).

import { InvalidStateError, ObjectNotFoundError } from '../model/simulatorErrors';
import type { TenantStore } from './tenantStore';

/** Entra's documented limit of owners per group. */
export const MAX_GROUP_OWNERS = 100;

export function addGroupOwner(tenant: TenantStore, groupId: string, ownerId: string): void {
  const group = tenant.requireActive('groups', groupId);
  const owner = ownerId.toLowerCase();
  const kind = tenant.objectKind(owner);
  if (kind !== 'user' && kind !== 'servicePrincipal') throw new ObjectNotFoundError('owner (user or servicePrincipal)', ownerId);
  if (!tenant.isActive(owner)) throw new InvalidStateError(`${ownerId} is deleted`);
  if (tenant.groupOwners.has(group.id, owner)) throw new InvalidStateError(`${ownerId} already owns group ${group.id}`);
  if (tenant.groupOwners.membersOf(group.id).size >= MAX_GROUP_OWNERS) {
    throw new InvalidStateError(`group ${group.id} already has ${MAX_GROUP_OWNERS} owners, the most Entra allows`);
  }
  tenant.groupOwners.add(group.id, owner);
}

export function removeGroupOwner(tenant: TenantStore, groupId: string, ownerId: string): void {
  const group = tenant.requireActive('groups', groupId);
  const owner = ownerId.toLowerCase();
  if (!tenant.groupOwners.has(group.id, owner)) throw new InvalidStateError(`${ownerId} does not own group ${group.id}`);
  tenant.groupOwners.remove(group.id, owner);
}

/** Current owners of a group, in id order (soft-deleted owners have left, as members do). */
export function groupOwnersOf(tenant: TenantStore, groupId: string): readonly string[] {
  return tenant.groupOwners.sortedMembersOf(groupId.toLowerCase());
}
