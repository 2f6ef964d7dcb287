// Owners of applications and service principals (users or service principals).

import { AUDIT_ACTIVITIES, directoryAudit } from '../model/directoryAudit';
import { ownerEventTargets } from '../model/ownerAudit';
import { DirectoryLimitError, InvalidStateError, ObjectNotFoundError } from '../model/simulatorErrors';
import { appendChangeAudit } from './changeAudit';
import type { ChangeOptions } from './tenantModel';
import type { TenantStore } from './tenantStore';

/** An active application or service principal: the objects that have owners and credentials. */
export interface OwnableObject {
  id: string;
  stream: 'applications' | 'servicePrincipals';
  displayName: string;
  appId: string;
}

export function requireOwnable(tenant: TenantStore, objectId: string): OwnableObject {
  const kind = tenant.objectKind(objectId);
  if (kind !== 'application' && kind !== 'servicePrincipal') throw new ObjectNotFoundError('applications or servicePrincipals', objectId);
  const stream = kind === 'application' ? 'applications' : 'servicePrincipals';
  const record = tenant.requireActive(stream, objectId);
  return { id: record.id, stream, displayName: record.properties.displayName, appId: record.properties.appId };
}

/**
 * Entra's service limits: at most 100 users and service principals own one application (the
 * simulator holds service principals to the same cap).
 */
export const MAX_OWNERS_PER_OBJECT = 100;

export function addOwner(tenant: TenantStore, objectId: string, ownerId: string, options: ChangeOptions): void {
  const owned = requireOwnable(tenant, objectId);
  const owner = ownerId.toLowerCase();
  const kind = tenant.objectKind(owner);
  if (kind !== 'user' && kind !== 'servicePrincipal') throw new ObjectNotFoundError('owner (user or servicePrincipal)', ownerId);
  if (!tenant.isActive(owner)) throw new InvalidStateError(`${ownerId} is deleted`);
  if (activeOwnersOf(tenant, owned.id).length >= MAX_OWNERS_PER_OBJECT && !tenant.owners.ownersOf(owned.id).includes(owner)) {
    throw new DirectoryLimitError(`${owned.id} already has ${MAX_OWNERS_PER_OBJECT} owners, the most an application or service principal can have. Remove an owner first.`);
  }
  tenant.owners.add(owned.id, owner);
  const isApp = owned.stream === 'applications';
  auditOwnerChange(tenant, options, owned, owner, isApp ? AUDIT_ACTIVITIES.addOwnerToApplication : AUDIT_ACTIVITIES.addOwnerToServicePrincipal, 'Assign');
}

export function removeOwner(tenant: TenantStore, objectId: string, ownerId: string, options: ChangeOptions = {}): void {
  const owned = requireOwnable(tenant, objectId);
  const owner = ownerId.toLowerCase();
  tenant.owners.remove(owned.id, owner);
  const isApp = owned.stream === 'applications';
  auditOwnerChange(tenant, options, owned, owner, isApp ? AUDIT_ACTIVITIES.removeOwnerFromApplication : AUDIT_ACTIVITIES.removeOwnerFromServicePrincipal, 'Unassign');
}

/** Entra names the owner only, the owned object in its modified properties (simulator/model/ownerAudit.ts). */
function auditOwnerChange(tenant: TenantStore, options: ChangeOptions, owned: OwnableObject, owner: string, activityDisplayName: string, operationType: string): void {
  const user = tenant.objectKind(owner) === 'user' ? tenant.getObject('users', owner) : undefined;
  const principal = { id: owner, kind: user ? 'User' : 'ServicePrincipal', displayName: tenant.displayNameOf(owner), userPrincipalName: user?.userPrincipalName } as const;
  const ownedObject = { id: owned.id, kind: owned.stream === 'applications' ? 'Application' : 'ServicePrincipal', appId: owned.appId, displayName: owned.displayName } as const;
  appendChangeAudit(tenant, options, (context) =>
    directoryAudit(context, {
      activityDisplayName,
      category: 'ApplicationManagement',
      operationType,
      targetResources: ownerEventTargets(principal, ownedObject, operationType === 'Assign'),
    }),
  );
}

/** Active owners, in the order they were added. */
export function activeOwnersOf(tenant: TenantStore, objectId: string): string[] {
  return tenant.owners.ownersOf(objectId.toLowerCase()).filter((id) => tenant.isActive(id));
}
