// Owners of applications and service principals (users or service principals).

import { AUDIT_ACTIVITIES, directoryAudit, target } from '../model/directoryAudit';
import { InvalidStateError, ObjectNotFoundError } from '../model/simulatorErrors';
import { appendChangeAudit } from './changeAudit';
import type { ChangeOptions } from './tenantModel';
import type { TenantStore } from './tenantStore';

/** An active application or service principal: the objects that have owners and credentials. */
export interface OwnableObject {
  id: string;
  stream: 'applications' | 'servicePrincipals';
  displayName: string;
}

export function requireOwnable(tenant: TenantStore, objectId: string): OwnableObject {
  const kind = tenant.objectKind(objectId);
  if (kind !== 'application' && kind !== 'servicePrincipal') throw new ObjectNotFoundError('applications or servicePrincipals', objectId);
  const stream = kind === 'application' ? 'applications' : 'servicePrincipals';
  const record = tenant.requireActive(stream, objectId);
  return { id: record.id, stream, displayName: record.properties.displayName };
}

export function addOwner(tenant: TenantStore, objectId: string, ownerId: string, options: ChangeOptions): void {
  const owned = requireOwnable(tenant, objectId);
  const owner = ownerId.toLowerCase();
  const kind = tenant.objectKind(owner);
  if (kind !== 'user' && kind !== 'servicePrincipal') throw new ObjectNotFoundError('owner (user or servicePrincipal)', ownerId);
  if (!tenant.isActive(owner)) throw new InvalidStateError(`${ownerId} is deleted`);
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

/** Entra names the owner first, then the owned object. */
function auditOwnerChange(tenant: TenantStore, options: ChangeOptions, owned: OwnableObject, owner: string, activityDisplayName: string, operationType: string): void {
  const ownerKind = tenant.objectKind(owner) === 'user' ? 'User' : 'ServicePrincipal';
  appendChangeAudit(tenant, options, (context) =>
    directoryAudit(context, {
      activityDisplayName,
      category: 'ApplicationManagement',
      operationType,
      targetResources: [
        target(owner, ownerKind, tenant.displayNameOf(owner)),
        target(owned.id, owned.stream === 'applications' ? 'Application' : 'ServicePrincipal', owned.displayName),
      ],
    }),
  );
}

/** Active owners, in the order they were added. */
export function activeOwnersOf(tenant: TenantStore, objectId: string): string[] {
  return tenant.owners.ownersOf(objectId.toLowerCase()).filter((id) => tenant.isActive(id));
}
