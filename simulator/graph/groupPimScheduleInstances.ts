// /v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances and
// assignmentScheduleInstances: PIM for Groups, which answer only when the request is scoped to a
// group or a principal by $filter.

import type { GroupPimSchedule } from '../model/groupPimSchedules';
import type { SimRequest, SimResponse } from '../http/simRequest';
import type { DirectoryCollectionDependencies } from './directoryCollections';
import { renderDirectoryObject } from './directoryObjectViews';
import { graphError, queryError } from './graphResponses';
import { parseFilter } from './odataFilter';
import { DIRECTORY_PAGE_LIMITS, readPaging, rejectUnsupportedOptions, servePage, sortedAfter } from './pagedCollection';
import { readQueryOptions, resolveSelect } from './queryOptions';

interface GroupPimCollection {
  name: string;
  type: string;
  kind: GroupPimSchedule['kind'];
  fields: readonly string[];
  scheduleIdField: 'eligibilityScheduleId' | 'assignmentScheduleId';
}

const COMMON = ['id', 'groupId', 'principalId', 'accessId', 'memberType', 'startDateTime', 'endDateTime'];

export const GROUP_ELIGIBILITY_INSTANCES: GroupPimCollection = {
  name: 'identityGovernance/privilegedAccess/group/eligibilityScheduleInstances',
  type: 'microsoft.graph.privilegedAccessGroupEligibilityScheduleInstance',
  kind: 'eligible',
  fields: [...COMMON, 'eligibilityScheduleId'],
  scheduleIdField: 'eligibilityScheduleId',
};

export const GROUP_ASSIGNMENT_INSTANCES: GroupPimCollection = {
  name: 'identityGovernance/privilegedAccess/group/assignmentScheduleInstances',
  type: 'microsoft.graph.privilegedAccessGroupAssignmentScheduleInstance',
  kind: 'active',
  fields: [...COMMON, 'assignmentType', 'assignmentScheduleId'],
  scheduleIdField: 'assignmentScheduleId',
};

// Graph requires the scope; how it words the refusal is not documented (docs/graph-behaviour.md).
const SCOPE = /\b(groupId|principalId)\s+eq\s+'[^']*'/i;
const OR = /\s+or\s+(?=(?:[^']*'[^']*')*[^']*$)/i;

/**
 * Lists PIM for Groups schedule instances. `$filter` must scope the request with `groupId eq` or
 * `principalId eq` (joined by `and` to anything else), else 400; licence gating as PIM for roles.
 */
export function handleGroupPimScheduleInstances(collection: GroupPimCollection, deps: DirectoryCollectionDependencies, request: SimRequest): SimResponse {
  if (!deps.tenant.pimAvailable) {
    return graphError(request, 400, 'AadPremiumLicenseRequired', 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.');
  }
  const unsupported = rejectUnsupportedOptions(request, ['$select', '$filter', '$expand', '$skiptoken']);
  if (unsupported) return unsupported;
  const options = readQueryOptions(request.url);
  const raw = options.get('$filter');
  if (raw === undefined || !SCOPE.test(raw) || OR.test(raw)) {
    return graphError(request, 400, 'BadRequest', `A $filter on groupId or principalId (eq) is required to list ${collection.name.split('/').at(-1)}.`);
  }
  const filter = parseFilter(raw, { groupId: 'string', principalId: 'string', accessId: 'string', memberType: 'string', [collection.scheduleIdField]: 'string' });
  if (!filter.ok) return queryError(request, filter);
  const select = resolveSelect([...collection.fields], collection.type, options.get('$select'));
  if (!select.ok) return graphError(request, 400, 'Request_BadRequest', select.message);
  const expand = (options.get('$expand') ?? '').split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  const unknown = expand.find((name) => name !== 'principal');
  if (unknown) return graphError(request, 400, 'Request_BadRequest', `Could not find a navigation property named '${unknown}' on type '${collection.type}'.`);
  const paging = readPaging(request, deps, DIRECTORY_PAGE_LIMITS);
  if (!paging.ok) return paging.response;

  const items = deps.tenant
    .currentGroupPimSchedules()
    .filter((s) => s.kind === collection.kind)
    .map((s) => ({ ...s, [collection.scheduleIdField]: s.scheduleId }))
    .filter(filter.value)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const fields = select.value ?? collection.fields;
  return servePage(
    request,
    deps,
    paging,
    {
      itemsAfter: (cursor) => sortedAfter(items, (item) => item.id, cursor),
      cursorOf: (item) => item.id,
      render: (item) => {
        const source = item as unknown as Record<string, unknown>;
        const view: Record<string, unknown> = {};
        for (const field of fields) view[field] = source[field] ?? null;
        view.id = item.id;
        if (expand.includes('principal')) view.principal = renderDirectoryObject(deps.tenant, item.principalId);
        return view;
      },
    },
    collection.name,
  );
}
