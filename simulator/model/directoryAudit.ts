// Directory audit events (/auditLogs/directoryAudits) and builders for the activities the
// connector cares about, named exactly as live Entra logs name them.

import { credentialListAuditValue, type KeyCredential, type PasswordCredential } from './credentials';

export interface AuditUserActor {
  id: string;
  displayName: string | null;
  userPrincipalName: string | null;
  ipAddress: string | null;
}

export interface AuditAppActor {
  appId: string | null;
  displayName: string | null;
  servicePrincipalId: string | null;
  servicePrincipalName: string | null;
}

export interface AuditInitiator {
  user: AuditUserActor | null;
  app: AuditAppActor | null;
}

export interface ModifiedProperty {
  displayName: string;
  oldValue: string | null;
  newValue: string | null;
}

export interface AuditTargetResource {
  id: string;
  displayName: string | null;
  type: string;
  userPrincipalName: string | null;
  groupType: string | null;
  modifiedProperties: ModifiedProperty[];
}

export interface DirectoryAudit {
  id: string;
  category: string;
  correlationId: string;
  result: 'success' | 'failure' | 'timeout' | 'unknownFutureValue';
  resultReason: string;
  activityDisplayName: string;
  activityDateTime: string;
  loggedByService: string;
  operationType: string;
  initiatedBy: AuditInitiator;
  targetResources: AuditTargetResource[];
  additionalDetails: Array<{ key: string; value: string }>;
}

/** Activity names as live logs spell them: note the EN DASH in the first one. */
export const AUDIT_ACTIVITIES = {
  updateApplicationCredentials: 'Update application \u2013 Certificates and secrets management',
  addServicePrincipalCredentials: 'Add service principal credentials',
  removeServicePrincipalCredentials: 'Remove service principal credentials',
  updateExternalSecrets: 'Update external secrets',
  addOwnerToApplication: 'Add owner to application',
  addOwnerToServicePrincipal: 'Add owner to service principal',
  removeOwnerFromApplication: 'Remove owner from application',
  removeOwnerFromServicePrincipal: 'Remove owner from service principal',
  addAppRoleAssignmentToServicePrincipal: 'Add app role assignment to service principal',
  addAppRoleAssignmentGrantToUser: 'Add app role assignment grant to user',
  addAppRoleAssignmentToGroup: 'Add app role assignment to group',
  removeAppRoleAssignmentFromServicePrincipal: 'Remove app role assignment from service principal',
  removeAppRoleAssignmentFromUser: 'Remove app role assignment from user',
  removeAppRoleAssignmentFromGroup: 'Remove app role assignment from group',
  consentToApplication: 'Consent to application',
  addDelegatedPermissionGrant: 'Add delegated permission grant',
  addApplication: 'Add application',
  addServicePrincipal: 'Add service principal',
  addMemberToGroup: 'Add member to group',
  removeMemberFromGroup: 'Remove member from group',
  addMemberToRole: 'Add member to role',
  updateUser: 'Update user',
  resetUserPassword: 'Reset user password',
  addUser: 'Add user',
} as const;

export type CredentialTargetKind = 'Application' | 'ServicePrincipal';

export interface AuditContext {
  id: string;
  correlationId: string;
  activityDateTime: string;
  initiatedBy: AuditInitiator;
}

export function userInitiator(user: { id: string; displayName: string; userPrincipalName: string }, ipAddress: string | null = null): AuditInitiator {
  return { user: { id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName, ipAddress }, app: null };
}

export function appInitiator(sp: { id: string; appId: string; displayName: string }): AuditInitiator {
  return { user: null, app: { appId: sp.appId, displayName: sp.displayName, servicePrincipalId: sp.id, servicePrincipalName: null } };
}

export function target(
  id: string,
  type: string,
  displayName: string | null,
  modifiedProperties: ModifiedProperty[] = [],
  extra: { userPrincipalName?: string | null } = {},
): AuditTargetResource {
  return { id, displayName, type, userPrincipalName: extra.userPrincipalName ?? null, groupType: null, modifiedProperties };
}

export function directoryAudit(
  context: AuditContext,
  fields: { activityDisplayName: string; category: string; operationType: string; targetResources: AuditTargetResource[]; result?: DirectoryAudit['result']; resultReason?: string },
): DirectoryAudit {
  return {
    id: context.id,
    category: fields.category,
    correlationId: context.correlationId,
    result: fields.result ?? 'success',
    resultReason: fields.resultReason ?? '',
    activityDisplayName: fields.activityDisplayName,
    activityDateTime: context.activityDateTime,
    loggedByService: 'Core Directory',
    operationType: fields.operationType,
    initiatedBy: context.initiatedBy,
    targetResources: fields.targetResources,
    additionalDetails: context.initiatedBy.user
      ? [{ key: 'User-Agent', value: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36' }]
      : [{ key: 'AppId', value: context.initiatedBy.app?.appId ?? '' }],
  };
}

type Credential = PasswordCredential | KeyCredential;

/**
 * A credential added to or removed from an app registration or service principal, the way
 * Entra logs it: the keyId sits in the KeyDescription old/new values (JSON text). App events
 * list the whole credential set before and after; service principal events list the one key.
 */
export function credentialChangeAudit(
  context: AuditContext,
  change: {
    targetKind: CredentialTargetKind;
    targetId: string;
    targetDisplayName: string;
    change: 'add' | 'remove';
    credential: Credential;
    before: readonly Credential[];
    after: readonly Credential[];
  },
): DirectoryAudit {
  const isApp = change.targetKind === 'Application';
  const activity = isApp
    ? AUDIT_ACTIVITIES.updateApplicationCredentials
    : change.change === 'add'
      ? AUDIT_ACTIVITIES.addServicePrincipalCredentials
      : AUDIT_ACTIVITIES.removeServicePrincipalCredentials;
  const keyDescription: ModifiedProperty = isApp
    ? { displayName: 'KeyDescription', oldValue: credentialListAuditValue(change.before), newValue: credentialListAuditValue(change.after) }
    : change.change === 'add'
      ? { displayName: 'KeyDescription', oldValue: '[]', newValue: credentialListAuditValue([change.credential]) }
      : { displayName: 'KeyDescription', oldValue: credentialListAuditValue([change.credential]), newValue: '[]' };
  return directoryAudit(context, {
    activityDisplayName: activity,
    category: 'ApplicationManagement',
    operationType: isApp ? 'Update' : change.change === 'add' ? 'Add' : 'Remove',
    targetResources: [
      target(change.targetId, change.targetKind, change.targetDisplayName, [
        keyDescription,
        { displayName: 'Included Updated Properties', oldValue: null, newValue: '"KeyDescription"' },
      ]),
    ],
  });
}
