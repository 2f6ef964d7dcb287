// /v1.0/roleManagement/directory/roleEligibilityScheduleInstances and roleAssignmentScheduleInstances:
// PIM's view of who is eligible for, or actively holds, a directory role, and until when.

import type { SimRequest, SimResponse } from '../http/simRequest';
import type { DirectoryCollectionDependencies } from './directoryCollections';
import { renderDirectoryObject } from './directoryObjectViews';
import { graphError, queryError } from './graphResponses';
import { parseFilter, type FilterableProperties } from './odataFilter';
import { DIRECTORY_PAGE_LIMITS, readPaging, rejectUnsupportedOptions, servePage, sortedAfter } from './pagedCollection';
import { readQueryOptions, resolveSelect } from './queryOptions';
import type { TenantStore } from '../tenant/tenantStore';

const COMMON_FIELDS = ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId', 'startDateTime', 'endDateTime', 'memberType'];
const COMMON_FILTERS: FilterableProperties = { principalId: 'string', roleDefinitionId: 'string', directoryScopeId: 'string', appScopeId: 'string', memberType: 'string' };

interface ScheduleCollection {
  /** Path after /v1.0/ and the @odata.context name. */
  name: string;
  type: string;
  fields: readonly string[];
  filters: FilterableProperties;
  items(tenant: TenantStore): Array<{ id: string; principalId: string; roleDefinitionId: string } & object>;
}

export const ROLE_ELIGIBILITY_INSTANCES: ScheduleCollection = {
  name: 'roleManagement/directory/roleEligibilityScheduleInstances',
  type: 'microsoft.graph.unifiedRoleEligibilityScheduleInstance',
  fields: [...COMMON_FIELDS, 'roleEligibilityScheduleId'],
  filters: { ...COMMON_FILTERS, roleEligibilityScheduleId: 'string' },
  items: (tenant) => tenant.currentRoleEligibilities(),
};

export const ROLE_ASSIGNMENT_INSTANCES: ScheduleCollection = {
  name: 'roleManagement/directory/roleAssignmentScheduleInstances',
  type: 'microsoft.graph.unifiedRoleAssignmentScheduleInstance',
  fields: [...COMMON_FIELDS, 'assignmentType', 'roleAssignmentOriginId', 'roleAssignmentScheduleId'],
  filters: { ...COMMON_FILTERS, assignmentType: 'string', roleAssignmentOriginId: 'string', roleAssignmentScheduleId: 'string' },
  items: (tenant) => tenant.activeRoleSchedules(),
};

// Documented expansions we serve; directoryScope, appScope and activatedUsing are documented too
// but not simulated, so they are refused rather than answered wrongly.
const EXPANDABLE = new Set(['principal', 'roledefinition']);

/**
 * Lists one of PIM's schedule-instance collections. Documented options are $select, $filter
 * and $expand; paging is the service's (nextLink with $skiptoken). Without Entra ID P2 or ID
 * Governance the tenant gets 400 AadPremiumLicenseRequired (docs/graph-behaviour.md).
 */
export function handleRoleScheduleInstances(collection: ScheduleCollection, deps: DirectoryCollectionDependencies, request: SimRequest): SimResponse {
  if (!deps.tenant.pimAvailable) {
    return graphError(request, 400, 'AadPremiumLicenseRequired', 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.');
  }
  const unsupported = rejectUnsupportedOptions(request, ['$select', '$filter', '$expand', '$skiptoken']);
  if (unsupported) return unsupported;
  const options = readQueryOptions(request.url);
  const select = resolveSelect([...collection.fields], collection.type, options.get('$select'));
  if (!select.ok) return graphError(request, 400, 'Request_BadRequest', select.message);
  const expand = (options.get('$expand') ?? '').split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  const unknown = expand.find((name) => !EXPANDABLE.has(name));
  if (unknown) return graphError(request, 400, 'Request_BadRequest', `Could not find a navigation property named '${unknown}' on type '${collection.type}'.`);
  const filter = options.has('$filter') ? parseFilter(options.get('$filter') as string, collection.filters) : undefined;
  if (filter && !filter.ok) return queryError(request, filter);
  const paging = readPaging(request, deps, DIRECTORY_PAGE_LIMITS);
  if (!paging.ok) return paging.response;

  const predicate = filter?.ok ? filter.value : () => true;
  const items = collection.items(deps.tenant).filter(predicate).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const fields = select.value ?? collection.fields;
  const definitions = new Map(deps.tenant.roleDefinitions.map((definition) => [definition.id, definition]));
  return servePage(
    request,
    deps,
    paging,
    {
      itemsAfter: (cursor) => sortedAfter(items, (item) => item.id, cursor),
      cursorOf: (item) => item.id,
      render: (item) => {
        const source = item as Record<string, unknown>;
        const view: Record<string, unknown> = {};
        for (const field of fields) view[field] = source[field] ?? null;
        view.id = item.id;
        if (expand.includes('principal')) view.principal = renderDirectoryObject(deps.tenant, item.principalId);
        if (expand.includes('roledefinition')) view.roleDefinition = definitions.get(item.roleDefinitionId) ?? null;
        return view;
      },
    },
    `${collection.name}${expand.length > 0 ? `(${expand.map((name) => `${name}()`).join(',')})` : ''}`,
  );
}
