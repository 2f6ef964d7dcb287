// GET /v1.0/oauth2PermissionGrants: delegated permission grants (v1.0 has no createdDateTime,
// so selecting it is a 400 like any unknown property).

import type { SimRequest, SimResponse } from '../http/simRequest';
import type { OAuth2PermissionGrant } from '../model/permissionGrants';
import type { DirectoryCollectionDependencies } from './directoryCollections';
import { graphError, queryError } from './graphResponses';
import { parseFilter } from './odataFilter';
import { DIRECTORY_PAGE_LIMITS, readPaging, rejectUnsupportedOptions, servePage, sortedAfter } from './pagedCollection';
import { readQueryOptions, resolveSelect } from './queryOptions';

const GRANT_FIELDS = ['id', 'clientId', 'consentType', 'principalId', 'resourceId', 'scope'];

export function handlePermissionGrants(deps: DirectoryCollectionDependencies, request: SimRequest): SimResponse {
  const unsupported = rejectUnsupportedOptions(request, ['$select', '$top', '$skiptoken', '$filter']);
  if (unsupported) return unsupported;
  const options = readQueryOptions(request.url);
  const select = resolveSelect(GRANT_FIELDS, 'microsoft.graph.oAuth2PermissionGrant', options.get('$select'));
  if (!select.ok) return graphError(request, 400, 'Request_BadRequest', select.message);
  const filter = options.has('$filter')
    ? parseFilter(options.get('$filter') as string, { clientId: 'string', resourceId: 'string', consentType: 'string', principalId: 'string' })
    : undefined;
  if (filter && !filter.ok) return queryError(request, filter);
  const paging = readPaging(request, deps, DIRECTORY_PAGE_LIMITS);
  if (!paging.ok) return paging.response;
  const predicate = filter?.ok ? filter.value : () => true;
  const tenant = deps.tenant;
  const grants = [...tenant.permissionGrants.all()]
    .filter((grant) => tenant.isActive(grant.clientId) && tenant.isActive(grant.resourceId) && predicate(grant))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const fields = select.value ?? GRANT_FIELDS;
  return servePage(
    request,
    deps,
    paging,
    {
      itemsAfter: (cursor) => sortedAfter(grants, (grant) => grant.id, cursor),
      cursorOf: (grant) => grant.id,
      render: (grant: OAuth2PermissionGrant) => {
        const view: Record<string, unknown> = {};
        for (const field of fields) view[field] = grant[field as keyof OAuth2PermissionGrant];
        view.id = grant.id;
        return view;
      },
    },
    'oauth2PermissionGrants',
  );
}
