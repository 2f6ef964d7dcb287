// The audit event a change leaves behind, stamped like a live one (now, fresh ids, the actor).

import type { AuditContext, DirectoryAudit } from '../model/directoryAudit';
import type { ChangeOptions } from './tenantModel';
import type { TenantStore } from './tenantStore';

export function auditContext(tenant: TenantStore, options: ChangeOptions): AuditContext {
  return {
    id: `Directory_${tenant.ids.guid()}`,
    correlationId: tenant.ids.guid(),
    activityDateTime: new Date(tenant.currentTime()).toISOString(),
    initiatedBy: options.actor ?? tenant.defaultActor,
  };
}

export function appendChangeAudit(tenant: TenantStore, options: ChangeOptions, build: (context: AuditContext) => DirectoryAudit): void {
  if (options.silent) return;
  tenant.directoryAudits.append(build(auditContext(tenant, options)));
}
