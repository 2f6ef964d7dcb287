import type { DeltaStream } from '../../workflows/streams';

/**
 * Per stream: the Graph delta resource and the properties we ask for. `$select` keeps pages
 * small and makes only these properties raise change records. Users: identity, type, state and
 * hybrid-sync facts an access review or posture query filters on.
 */
export const DELTA_QUERIES: Record<DeltaStream, { resource: string; permission: string; select: readonly string[] }> = {
  users: {
    resource: 'users/delta',
    permission: 'User.Read.All',
    select: [
      'id',
      'displayName',
      'givenName',
      'surname',
      'userPrincipalName',
      'mail',
      'userType',
      'accountEnabled',
      'createdDateTime',
      'jobTitle',
      'department',
      'companyName',
      'employeeId',
      'lastPasswordChangeDateTime',
      'onPremisesSyncEnabled',
      'onPremisesImmutableId',
      'onPremisesLastSyncDateTime',
      'externalUserState',
      'creationType',
    ],
  },
};

export function initialDeltaUrl(graphBaseUrl: string, stream: DeltaStream): string {
  const { resource, select } = DELTA_QUERIES[stream];
  return `${graphBaseUrl}/${resource}?$select=${select.join(',')}`;
}
