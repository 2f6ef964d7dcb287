// New users, groups, applications and service principals, completed like Entra completes them.

import { completeNewApplication, type ApplicationProperties } from '../model/applicationResource';
import { AUDIT_ACTIVITIES, directoryAudit, target } from '../model/directoryAudit';
import { completeNewGroup, type GroupProperties } from '../model/groupResource';
import { completeNewServicePrincipal, type ServicePrincipalProperties } from '../model/servicePrincipalResource';
import { completeNewUser, type UserProperties } from '../model/userResource';
import { appendChangeAudit } from './changeAudit';
import { snapshot } from './recordSnapshot';
import type { ChangeOptions, NewApplication, NewGroup, NewServicePrincipal, NewUser } from './tenantModel';
import type { TenantStore } from './tenantStore';

export function createUser(tenant: TenantStore, input: NewUser): UserProperties {
  const user = completeNewUser({ ...input, id: input.id ?? tenant.ids.guid() }, { domain: tenant.domain, now: tenant.currentTime() });
  return snapshot(tenant.users.create(user));
}

export function createGroup(tenant: TenantStore, input: NewGroup): GroupProperties {
  const group = completeNewGroup({ ...input, id: input.id ?? tenant.ids.guid() }, { domain: tenant.domain, now: tenant.currentTime() });
  return snapshot(tenant.groups.create(group));
}

export function createApplication(tenant: TenantStore, input: NewApplication, options: ChangeOptions): ApplicationProperties {
  const application = completeNewApplication(
    { ...input, id: input.id ?? tenant.ids.guid(), appId: input.appId ?? tenant.ids.guid() },
    { domain: tenant.domain, now: tenant.currentTime() },
  );
  const created = snapshot(tenant.applications.create(application));
  auditAppCreation(tenant, options, AUDIT_ACTIVITIES.addApplication, 'Application', created);
  return created;
}

/** When `appId` names an app registration of this tenant, the SP mirrors its name and roles. */
export function createServicePrincipal(tenant: TenantStore, input: NewServicePrincipal, options: ChangeOptions): ServicePrincipalProperties {
  const appId = (input.appId ?? tenant.ids.guid()).toLowerCase();
  const registration = tenant.findApplicationByAppId(appId);
  const servicePrincipal = completeNewServicePrincipal(
    {
      ...(registration
        ? { displayName: registration.displayName, appRoles: structuredClone(registration.appRoles), signInAudience: registration.signInAudience }
        : {}),
      ...input,
      id: input.id ?? tenant.ids.guid(),
      appId,
    },
    { tenantId: tenant.tenantId },
  );
  const created = snapshot(tenant.servicePrincipals.create(servicePrincipal));
  auditAppCreation(tenant, options, AUDIT_ACTIVITIES.addServicePrincipal, 'ServicePrincipal', created);
  return created;
}

/** "Add application" / "Add service principal": the event Entra logs for a new registration or enterprise app. */
function auditAppCreation(
  tenant: TenantStore,
  options: ChangeOptions,
  activityDisplayName: string,
  kind: 'Application' | 'ServicePrincipal',
  created: { id: string; displayName: string },
): void {
  appendChangeAudit(tenant, options, (context) =>
    directoryAudit(context, {
      activityDisplayName,
      category: 'ApplicationManagement',
      operationType: 'Add',
      targetResources: [target(created.id, kind, created.displayName)],
    }),
  );
}
