// Direct group members, with the rules Entra enforces on who may join which group.

import { ObjectNotFoundError, InvalidStateError } from '../model/simulatorErrors';
import type { TenantStore } from './tenantStore';

export function addGroupMember(tenant: TenantStore, groupId: string, memberId: string): void {
  const group = tenant.requireActive('groups', groupId);
  const member = memberId.toLowerCase();
  const kind = tenant.objectKind(member);
  if (!kind || kind === 'application') throw new ObjectNotFoundError('directoryObjects', memberId);
  if (!tenant.isActive(member)) throw new InvalidStateError(`${memberId} is deleted`);
  if (member === group.id) throw new InvalidStateError('a group cannot be a member of itself');
  if (group.properties.isAssignableToRole && kind !== 'user' && kind !== 'servicePrincipal') {
    throw new InvalidStateError('role-assignable groups hold only users and service principals');
  }
  tenant.memberships.add(group.id, member);
}

export function removeGroupMember(tenant: TenantStore, groupId: string, memberId: string): void {
  const group = tenant.requireActive('groups', groupId);
  tenant.memberships.remove(group.id, memberId.toLowerCase());
}
