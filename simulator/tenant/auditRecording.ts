// Audit events posted through the control API (not caused by a store change).

import { directoryAudit, type DirectoryAudit } from '../model/directoryAudit';
import { auditContext } from './changeAudit';
import type { NewDirectoryAudit } from './tenantModel';
import type { TenantStore } from './tenantStore';

/** An audit event; what the input leaves out is filled like a live event (now, Core Directory, default actor). */
export function recordDirectoryAudit(tenant: TenantStore, input: NewDirectoryAudit): DirectoryAudit {
  const context = auditContext(tenant, input.initiatedBy ? { actor: input.initiatedBy } : {});
  const audit = directoryAudit(
    {
      id: input.id ?? context.id,
      correlationId: input.correlationId ?? context.correlationId,
      activityDateTime: input.activityDateTime ?? context.activityDateTime,
      initiatedBy: context.initiatedBy,
    },
    {
      activityDisplayName: input.activityDisplayName,
      category: input.category ?? 'ApplicationManagement',
      operationType: input.operationType ?? 'Update',
      targetResources: input.targetResources ?? [],
      ...(input.result ? { result: input.result } : {}),
      ...(input.resultReason !== undefined ? { resultReason: input.resultReason } : {}),
    },
  );
  if (input.loggedByService) audit.loggedByService = input.loggedByService;
  if (input.additionalDetails) audit.additionalDetails = input.additionalDetails;
  return tenant.directoryAudits.append(audit);
}
