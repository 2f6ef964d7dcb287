// /v1.0/roleManagement/directory/roleAssignments (with $expand=principal) and roleDefinitions.

import type { RoleAssignment, RoleDefinition } from '../model/directoryRoles';
import type { SimRequest, SimResponse } from '../http/simRequest';
import type { DirectoryCollectionDependencies } from './directoryCollections';
import { renderDirectoryObject } from './directoryObjectViews';
import { graphError, queryError } from './graphResponses';
import { parseFilter } from './odataFilter';
import { DIRECTORY_PAGE_LIMITS, readPaging, rejectUnsupportedOptions, servePage, sortedAfter } from './pagedCollection';
import { readQueryOptions, resolveSelect } from './queryOptions';

const ROLE_ASSIGNMENT_FIELDS = ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId', 'condition'];
const ROLE_DEFINITION_FIELDS = ['id', 'description', 'displayName', 'isBuiltIn', 'isEnabled', 'resourceScopes', 'templateId', 'version', 'rolePermissions'];
const EXPANDABLE = new Set(['principal', 'roledefinition']);

/** Active role assignments whose principal exists; `$expand=principal` adds it with @odata.type. */
export function handleRoleAssignments(deps: DirectoryCollectionDependencies, request: SimRequest): SimResponse {
  const unsupported = rejectUnsupportedOptions(request, ['$select', '$top', '$skiptoken', '$filter', '$expand']);
  if (unsupported) return unsupported;
  const options = readQueryOptions(request.url);
  const select = resolveSelect(ROLE_ASSIGNMENT_FIELDS, 'microsoft.graph.unifiedRoleAssignment', options.get('$select'));
  if (!select.ok) return graphError(request, 400, 'Request_BadRequest', select.message);
  const expand = (options.get('$expand') ?? '').split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  const unknown = expand.find((name) => !EXPANDABLE.has(name));
  if (unknown) return graphError(request, 400, 'Request_BadRequest', `Could not find a navigation property named '${unknown}' on type 'microsoft.graph.unifiedRoleAssignment'.`);
  const filter = options.has('$filter')
    ? parseFilter(options.get('$filter') as string, { principalId: 'string', roleDefinitionId: 'string', directoryScopeId: 'string', appScopeId: 'string' })
    : undefined;
  if (filter && !filter.ok) return queryError(request, filter);
  const paging = readPaging(request, deps, DIRECTORY_PAGE_LIMITS);
  if (!paging.ok) return paging.response;

  const predicate = filter?.ok ? filter.value : () => true;
  const assignments = deps.tenant.activeRoleAssignments().filter(predicate).sort(byId);
  const fields = select.value ?? ROLE_ASSIGNMENT_FIELDS;
  const definitions = new Map(deps.tenant.roleDefinitions.map((definition) => [definition.id, definition]));
  return servePage(
    request,
    deps,
    paging,
    {
      itemsAfter: (cursor) => sortedAfter(assignments, (a) => a.id, cursor),
      cursorOf: (assignment) => assignment.id,
      render: (assignment: RoleAssignment) => {
        const view: Record<string, unknown> = {};
        for (const field of fields) view[field] = assignment[field as keyof RoleAssignment];
        view.id = assignment.id;
        if (expand.includes('principal')) view.principal = renderDirectoryObject(deps.tenant, assignment.principalId);
        if (expand.includes('roledefinition')) view.roleDefinition = definitions.get(assignment.roleDefinitionId) ?? null;
        return view;
      },
    },
    `roleManagement/directory/roleAssignments${expand.length > 0 ? `(${expand.map((name) => `${name}()`).join(',')})` : ''}`,
  );
}

/** Built-in (and any custom) directory role definitions. */
export function handleRoleDefinitions(deps: DirectoryCollectionDependencies, request: SimRequest): SimResponse {
  const unsupported = rejectUnsupportedOptions(request, ['$select', '$top', '$skiptoken', '$filter']);
  if (unsupported) return unsupported;
  const options = readQueryOptions(request.url);
  const select = resolveSelect(ROLE_DEFINITION_FIELDS, 'microsoft.graph.unifiedRoleDefinition', options.get('$select'));
  if (!select.ok) return graphError(request, 400, 'Request_BadRequest', select.message);
  const filter = options.has('$filter')
    ? parseFilter(options.get('$filter') as string, { id: 'string', displayName: 'string', templateId: 'string', isBuiltIn: 'boolean', isEnabled: 'boolean' })
    : undefined;
  if (filter && !filter.ok) return queryError(request, filter);
  const paging = readPaging(request, deps, DIRECTORY_PAGE_LIMITS);
  if (!paging.ok) return paging.response;
  const predicate = filter?.ok ? filter.value : () => true;
  const definitions = deps.tenant.roleDefinitions.filter(predicate).sort(byId);
  const fields = select.value ?? ROLE_DEFINITION_FIELDS;
  return servePage(
    request,
    deps,
    paging,
    {
      itemsAfter: (cursor) => sortedAfter(definitions, (d) => d.id, cursor),
      cursorOf: (definition) => definition.id,
      render: (definition: RoleDefinition) => {
        const view: Record<string, unknown> = {};
        for (const field of fields) view[field] = definition[field as keyof RoleDefinition];
        view.id = definition.id;
        return view;
      },
    },
    'roleManagement/directory/roleDefinitions',
  );
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
