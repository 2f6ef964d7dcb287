import type { DeltaStream } from '../../shared/streams';

type DeltaQuery = { resource: string; select: readonly string[] };

/**
 * Per stream: the Graph delta resource and the properties
 * we ask for. `$select` keeps pages small and makes only these properties raise change records;
 * docs/inventory.md explains each list.
 */
export const DELTA_QUERIES: Record<DeltaStream, DeltaQuery> = {
  users: {
    resource: 'users/delta',
    select: [
      'id', 'displayName', 'givenName', 'surname', 'userPrincipalName', 'mail', 'userType', 'accountEnabled',
      'createdDateTime', 'jobTitle', 'department', 'companyName', 'employeeId', 'lastPasswordChangeDateTime',
      'onPremisesSyncEnabled', 'onPremisesImmutableId', 'onPremisesLastSyncDateTime', 'externalUserState', 'creationType',
    ],
  },
  groups: {
    resource: 'groups/delta',
    select: [
      'id', 'displayName', 'description', 'mail', 'mailEnabled', 'mailNickname', 'securityEnabled', 'groupTypes',
      'isAssignableToRole', 'membershipRule', 'membershipRuleProcessingState', 'visibility', 'createdDateTime',
      'onPremisesSyncEnabled', 'members', 'owners',
    ],
  },
  applications: {
    resource: 'applications/delta',
    select: [
      'id', 'appId', 'displayName', 'createdDateTime', 'signInAudience', 'publisherDomain', 'verifiedPublisher',
      'passwordCredentials', 'keyCredentials', 'appRoles', 'requiredResourceAccess', 'tags',
    ],
  },
  servicePrincipals: {
    resource: 'servicePrincipals/delta',
    select: [
      'id', 'appId', 'displayName', 'servicePrincipalType', 'appOwnerOrganizationId', 'accountEnabled',
      'appRoleAssignmentRequired', 'appRoles', 'passwordCredentials', 'keyCredentials', 'publisherName',
      'verifiedPublisher', 'tags', 'homepage',
    ],
  },
};

export function initialDeltaUrl(graphBaseUrl: string, stream: DeltaStream): string {
  const { resource, select } = DELTA_QUERIES[stream];
  return `${graphBaseUrl}/${resource}?$select=${select.join(',')}`;
}
