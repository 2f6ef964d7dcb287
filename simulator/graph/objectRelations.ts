// Per-object collections Graph's delta does not track: owners of apps and service principals,
// a group's direct members, and the app role assignments granted on a service principal.

import { APP_ROLE_ASSIGNMENT_FIELDS } from './appRoleAssignmentView';
import type { SimRequest, SimResponse } from '../http/simRequest';
import type { StreamName } from '../tenant/tenantStore';
import { findActive, type DirectoryCollectionDependencies } from './directoryCollections';
import { DIRECTORY_OBJECT_SELECTABLE, renderDirectoryObject } from './directoryObjectViews';
import { graphError } from './graphResponses';
import { DIRECTORY_PAGE_LIMITS, readPaging, rejectUnsupportedOptions, servePage, sortedAfter } from './pagedCollection';
import { readQueryOptions, resolveSelect } from './queryOptions';

const identity = (id: string) => id;

/** GET /v1.0/{applications|servicePrincipals}/{id}/owners: users and service principals, paged. */
export function handleOwners(stream: 'applications' | 'servicePrincipals', deps: DirectoryCollectionDependencies, request: SimRequest, id: string): SimResponse {
  return directoryObjectPage(deps, request, stream, id, (objectId) => [...deps.tenant.activeOwnersOf(objectId)].sort(), 'directoryObjects');
}

/** GET /v1.0/groups/{id}/members: direct members of any type, paged. */
export function handleGroupMembers(deps: DirectoryCollectionDependencies, request: SimRequest, id: string): SimResponse {
  return directoryObjectPage(deps, request, 'groups', id, (groupId) => deps.tenant.memberships.sortedMembersOf(groupId), 'directoryObjects');
}

/** GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo: assignments whose principal is active. */
export function handleAppRoleAssignedTo(deps: DirectoryCollectionDependencies, request: SimRequest, id: string): SimResponse {
  const unsupported = rejectUnsupportedOptions(request, ['$select', '$top', '$skiptoken']);
  if (unsupported) return unsupported;
  const resource = findActive(deps.tenant, 'servicePrincipals', id, request);
  if (!resource.ok) return resource.response;
  const select = resolveSelect(APP_ROLE_ASSIGNMENT_FIELDS, 'microsoft.graph.appRoleAssignment', readQueryOptions(request.url).get('$select'));
  if (!select.ok) return graphError(request, 400, 'Request_BadRequest', select.message);
  const paging = readPaging(request, deps, DIRECTORY_PAGE_LIMITS);
  if (!paging.ok) return paging.response;
  const assignments = deps.tenant.activeAppRoleAssignmentsOf(resource.id).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const fields = select.value ?? APP_ROLE_ASSIGNMENT_FIELDS;
  return servePage(
    request,
    deps,
    paging,
    {
      itemsAfter: (cursor) => sortedAfter(assignments, (a) => a.id, cursor),
      cursorOf: (assignment) => assignment.id,
      render: (assignment) => {
        const view: Record<string, unknown> = {};
        for (const field of fields) view[field] = assignment[field as keyof typeof assignment];
        view.id = assignment.id;
        return view;
      },
    },
    `servicePrincipals('${resource.id}')/appRoleAssignedTo`,
  );
}

function directoryObjectPage(
  deps: DirectoryCollectionDependencies,
  request: SimRequest,
  stream: StreamName,
  id: string,
  related: (objectId: string) => readonly string[],
  context: string,
): SimResponse {
  const unsupported = rejectUnsupportedOptions(request, ['$select', '$top', '$skiptoken']);
  if (unsupported) return unsupported;
  const owner = findActive(deps.tenant, stream, id, request);
  if (!owner.ok) return owner.response;
  const select = resolveSelect(DIRECTORY_OBJECT_SELECTABLE, 'microsoft.graph.directoryObject', readQueryOptions(request.url).get('$select'));
  if (!select.ok) return graphError(request, 400, 'Request_BadRequest', select.message);
  const paging = readPaging(request, deps, DIRECTORY_PAGE_LIMITS);
  if (!paging.ok) return paging.response;
  const ids = related(owner.id);
  return servePage(
    request,
    deps,
    paging,
    {
      itemsAfter: (cursor) => sortedAfter(ids, identity, cursor),
      cursorOf: identity,
      render: (relatedId) => renderDirectoryObject(deps.tenant, relatedId, select.value),
    },
    context,
  );
}
