// Delegated permission grants (admin consent for all users, or one user's consent).

import { AUDIT_ACTIVITIES, directoryAudit, target } from '../model/directoryAudit';
import { permissionGrantId } from '../model/objectIds';
import type { OAuth2PermissionGrant } from '../model/permissionGrants';
import { appendChangeAudit } from './changeAudit';
import type { ChangeOptions, NewPermissionGrant } from './tenantModel';
import type { TenantStore } from './tenantStore';

export function addPermissionGrant(tenant: TenantStore, input: NewPermissionGrant, options: ChangeOptions): OAuth2PermissionGrant {
  const client = tenant.requireActive('servicePrincipals', input.clientId);
  const resource = tenant.requireActive('servicePrincipals', input.resourceId);
  const consentType = input.consentType ?? (input.principalId ? 'Principal' : 'AllPrincipals');
  const principalId = consentType === 'Principal' ? (input.principalId ?? '').toLowerCase() : null;
  if (consentType === 'Principal') tenant.requireActive('users', principalId ?? '');
  const grant = tenant.permissionGrants.add({
    id: input.id ?? permissionGrantId(client.id, resource.id, principalId),
    clientId: client.id,
    consentType,
    principalId,
    resourceId: resource.id,
    scope: input.scope,
  });
  appendChangeAudit(tenant, options, (context) =>
    directoryAudit(context, {
      activityDisplayName: AUDIT_ACTIVITIES.addDelegatedPermissionGrant,
      category: 'ApplicationManagement',
      operationType: 'Assign',
      targetResources: [
        target(resource.id, 'ServicePrincipal', resource.properties.displayName, [
          { displayName: 'DelegatedPermissionGrant.Scope', oldValue: null, newValue: JSON.stringify(input.scope) },
          { displayName: 'DelegatedPermissionGrant.ConsentType', oldValue: null, newValue: JSON.stringify(consentType) },
        ]),
      ],
    }),
  );
  return { ...grant };
}
