// /v1.0/directory/administrativeUnits: the units that scope role assignments, by id.

import type { AdministrativeUnit } from '../model/administrativeUnits';
import type { SimRequest, SimResponse } from '../http/simRequest';
import type { DirectoryCollectionDependencies } from './directoryCollections';
import { graphError, queryError } from './graphResponses';
import { parseFilter } from './odataFilter';
import { DIRECTORY_PAGE_LIMITS, readPaging, rejectUnsupportedOptions, servePage, sortedAfter } from './pagedCollection';
import { readQueryOptions, resolveSelect } from './queryOptions';

const FIELDS = ['id', 'displayName', 'description', 'visibility', 'membershipType', 'membershipRule', 'membershipRuleProcessingState', 'isMemberManagementRestricted'];
const TYPE = 'microsoft.graph.administrativeUnit';

/**
 * Lists administrative units. $select and $filter (eq) are served; $count, $search and $expand
 * are documented but not simulated, and $top is not documented: all refused, so a connector
 * cannot come to rely on them here.
 */
export function handleAdministrativeUnits(deps: DirectoryCollectionDependencies, request: SimRequest): SimResponse {
  const unsupported = rejectUnsupportedOptions(request, ['$select', '$filter', '$skiptoken']);
  if (unsupported) return unsupported;
  const options = readQueryOptions(request.url);
  const select = resolveSelect(FIELDS, TYPE, options.get('$select'));
  if (!select.ok) return graphError(request, 400, 'Request_BadRequest', select.message);
  const filter = options.has('$filter') ? parseFilter(options.get('$filter') as string, { id: 'string', displayName: 'string', membershipType: 'string' }) : undefined;
  if (filter && !filter.ok) return queryError(request, filter);
  const paging = readPaging(request, deps, DIRECTORY_PAGE_LIMITS);
  if (!paging.ok) return paging.response;
  const predicate = filter?.ok ? filter.value : () => true;
  const units = deps.tenant.administrativeUnits.all().filter(predicate).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const fields = select.value ?? FIELDS;
  return servePage(
    request,
    deps,
    paging,
    {
      itemsAfter: (cursor) => sortedAfter(units, (unit) => unit.id, cursor),
      cursorOf: (unit) => unit.id,
      render: (unit: AdministrativeUnit) => {
        const view: Record<string, unknown> = { '@odata.type': `#${TYPE}` };
        for (const field of fields) view[field] = unit[field as keyof AdministrativeUnit];
        view.id = unit.id;
        return view;
      },
    },
    'directory/administrativeUnits',
  );
}
