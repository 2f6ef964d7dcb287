// /v1.0/users, /groups, /applications, /servicePrincipals and /{collection}/{id}.

import { APPLICATION_COLLECTION_PROPERTIES, APPLICATION_DEFAULT_PROPERTIES, APPLICATION_SELECTABLE_PROPERTIES } from '../model/applicationResource';
import type { AccessTokenClaims } from '../identity/accessTokens';
import { isGuid } from '../model/directoryObjects';
import { GROUP_COLLECTION_PROPERTIES, GROUP_DEFAULT_PROPERTIES, GROUP_SELECTABLE_PROPERTIES } from '../model/groupResource';
import type { SimRequest, SimResponse } from '../http/simRequest';
import {
  SERVICE_PRINCIPAL_COLLECTION_PROPERTIES,
  SERVICE_PRINCIPAL_DEFAULT_PROPERTIES,
  SERVICE_PRINCIPAL_SELECTABLE_PROPERTIES,
} from '../model/servicePrincipalResource';
import type { StreamName, TenantStore } from '../tenant/tenantStore';
import { USER_COLLECTION_PROPERTIES, USER_DEFAULT_PROPERTIES, USER_SELECTABLE_PROPERTIES } from '../model/userResource';
import { DIRECTORY_OBJECT_SELECTABLE, renderDirectoryObject, renderProperties } from './directoryObjectViews';
import { GRAPH_PERMISSIONS } from './graphPermissions';
import { graphError, graphJson, queryError } from './graphResponses';
import { parseFilter, type FilterableProperties } from './odataFilter';
import { DIRECTORY_PAGE_LIMITS, readPaging, rejectUnsupportedOptions, servePage, type PagingDependencies } from './pagedCollection';
import { readQueryOptions, resolveSelect, type Resolution } from './queryOptions';

/** $expand returns at most this many related objects and cannot be paged (docs/graph-behaviour.md). */
export const EXPAND_LIMIT = 20;
/** Users with signInActivity selected page at most this many (docs/graph-behaviour.md). */
const SIGN_IN_ACTIVITY_MAX_TOP = 500;

export interface DirectoryCollection {
  stream: StreamName;
  entitySet: string;
  graphType: string;
  path: string;
  acceptedPermissions: readonly string[];
  selectableProperties: readonly string[];
  defaultProperties: readonly string[];
  collectionProperties: ReadonlySet<string>;
  filterable: FilterableProperties;
  /** Supports $expand=owners (applications, service principals). */
  expandsOwners: boolean;
}

export const DIRECTORY_COLLECTIONS: readonly DirectoryCollection[] = [
  {
    stream: 'users',
    entitySet: 'users',
    graphType: 'microsoft.graph.user',
    path: '/v1.0/users',
    acceptedPermissions: GRAPH_PERMISSIONS.users,
    selectableProperties: [...USER_SELECTABLE_PROPERTIES, 'signInActivity'],
    defaultProperties: USER_DEFAULT_PROPERTIES,
    collectionProperties: USER_COLLECTION_PROPERTIES,
    filterable: { id: 'string', userPrincipalName: 'string', mail: 'string', displayName: 'string', userType: 'string', accountEnabled: 'boolean', department: 'string' },
    expandsOwners: false,
  },
  {
    stream: 'groups',
    entitySet: 'groups',
    graphType: 'microsoft.graph.group',
    path: '/v1.0/groups',
    acceptedPermissions: GRAPH_PERMISSIONS.groups,
    selectableProperties: GROUP_SELECTABLE_PROPERTIES,
    defaultProperties: GROUP_DEFAULT_PROPERTIES,
    collectionProperties: GROUP_COLLECTION_PROPERTIES,
    filterable: { id: 'string', displayName: 'string', mail: 'string', mailEnabled: 'boolean', securityEnabled: 'boolean', isAssignableToRole: 'boolean' },
    expandsOwners: false,
  },
  {
    stream: 'applications',
    entitySet: 'applications',
    graphType: 'microsoft.graph.application',
    path: '/v1.0/applications',
    acceptedPermissions: GRAPH_PERMISSIONS.applications,
    selectableProperties: APPLICATION_SELECTABLE_PROPERTIES,
    defaultProperties: APPLICATION_DEFAULT_PROPERTIES,
    collectionProperties: APPLICATION_COLLECTION_PROPERTIES,
    filterable: { id: 'string', appId: 'string', displayName: 'string', signInAudience: 'string', publisherDomain: 'string' },
    expandsOwners: true,
  },
  {
    stream: 'servicePrincipals',
    entitySet: 'servicePrincipals',
    graphType: 'microsoft.graph.servicePrincipal',
    path: '/v1.0/servicePrincipals',
    acceptedPermissions: GRAPH_PERMISSIONS.servicePrincipals,
    selectableProperties: SERVICE_PRINCIPAL_SELECTABLE_PROPERTIES,
    defaultProperties: SERVICE_PRINCIPAL_DEFAULT_PROPERTIES,
    collectionProperties: SERVICE_PRINCIPAL_COLLECTION_PROPERTIES,
    filterable: {
      id: 'string', appId: 'string', displayName: 'string', servicePrincipalType: 'string', appOwnerOrganizationId: 'string',
      accountEnabled: 'boolean', appRoleAssignmentRequired: 'boolean', publisherName: 'string',
    },
    expandsOwners: true,
  },
];

export interface DirectoryCollectionDependencies extends PagingDependencies {
  tenant: TenantStore;
  /** Most items per report page, whatever `$top` asks; reports page about 1000 by default. */
  reportPageSize?: number;
}

interface ExpandOwners {
  select: string[] | null;
}

/** GET /v1.0/{collection}: active objects in id order, with $select, $top, $filter, $count, $expand=owners. */
export function handleDirectoryList(
  collection: DirectoryCollection,
  deps: DirectoryCollectionDependencies,
  request: SimRequest,
  claims: AccessTokenClaims,
): SimResponse {
  const unsupported = rejectUnsupportedOptions(request, ['$select', '$top', '$skiptoken', '$filter', '$count', ...(collection.expandsOwners ? ['$expand'] : [])]);
  if (unsupported) return unsupported;
  const options = readQueryOptions(request.url);
  const select = resolveSelect(collection.selectableProperties, collection.graphType, options.get('$select'));
  if (!select.ok) return graphError(request, 400, 'Request_BadRequest', select.message);
  const expand = parseExpand(options.get('$expand'), collection);
  if (!expand.ok) return queryError(request, expand);
  const filter = options.has('$filter') ? parseFilter(options.get('$filter') as string, collection.filterable) : undefined;
  if (filter && !filter.ok) return queryError(request, filter);
  const countRequested = options.get('$count')?.toLowerCase() === 'true';
  if (countRequested && request.headers.consistencylevel?.toLowerCase() !== 'eventual') {
    return graphError(request, 400, 'Request_BadRequest', "$count is not currently supported without the header 'ConsistencyLevel: eventual'.");
  }
  const withSignInActivity = select.value?.includes('signInActivity') ?? false;
  if (withSignInActivity && !(claims.roles ?? []).includes('AuditLog.Read.All')) {
    return graphError(request, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
  const paging = readPaging(request, deps, withSignInActivity ? { defaultTop: 100, maxTop: SIGN_IN_ACTIVITY_MAX_TOP } : DIRECTORY_PAGE_LIMITS);
  if (!paging.ok) return paging.response;

  const stream = deps.tenant.streamOf(collection.stream);
  const predicate = filter?.ok ? filter.value : undefined;
  const matches = (properties: object) => !predicate || predicate(properties);
  const render = (properties: Record<string, unknown>) => renderObject(collection, deps.tenant, properties, select.value, expand.value);
  const extra: Record<string, unknown> = {};
  if (countRequested) {
    let count = 0;
    for (const record of stream.activeRecords()) if (matches(record.properties)) count++;
    extra['@odata.count'] = count;
  }
  return servePage(
    request,
    deps,
    paging,
    {
      *itemsAfter(cursor) {
        for (const record of stream.recordsAfter(cursor)) if (record.state === 'active' && matches(record.properties)) yield record;
      },
      cursorOf: (record) => record.id,
      render: (record) => render(record.properties as Record<string, unknown>),
    },
    `${collection.entitySet}${select.value ? `(${select.value.join(',')})` : ''}`,
    extra,
  );
}

/** GET /v1.0/{collection}/{id}: 404 Request_ResourceNotFound for unknown or deleted ids. */
export function handleDirectoryObject(
  collection: DirectoryCollection,
  deps: DirectoryCollectionDependencies,
  request: SimRequest,
  id: string,
): SimResponse {
  const unsupported = rejectUnsupportedOptions(request, ['$select', ...(collection.expandsOwners ? ['$expand'] : [])]);
  if (unsupported) return unsupported;
  const record = findActive(deps.tenant, collection.stream, id, request);
  if (!record.ok) return record.response;
  const options = readQueryOptions(request.url);
  const select = resolveSelect(collection.selectableProperties, collection.graphType, options.get('$select'));
  if (!select.ok) return graphError(request, 400, 'Request_BadRequest', select.message);
  const expand = parseExpand(options.get('$expand'), collection);
  if (!expand.ok) return queryError(request, expand);
  return graphJson(200, {
    '@odata.context': `${deps.origin.url}/v1.0/$metadata#${collection.entitySet}/$entity`,
    ...renderObject(collection, deps.tenant, record.properties, select.value, expand.value),
  });
}

export type FoundObject = { ok: true; id: string; properties: Record<string, unknown> } | { ok: false; response: SimResponse };

/** An active object of the stream by id (users also by userPrincipalName), or Graph's 400/404. */
export function findActive(tenant: TenantStore, stream: StreamName, id: string, request: SimRequest): FoundObject {
  let record = isGuid(id) ? tenant.streamOf(stream).get(id) : undefined;
  if (!record && stream === 'users' && id.includes('@')) {
    for (const candidate of tenant.users.activeRecords()) {
      if (candidate.properties.userPrincipalName.toLowerCase() === id.toLowerCase()) record = candidate;
    }
  } else if (!isGuid(id)) {
    return { ok: false, response: graphError(request, 400, 'Request_BadRequest', `Invalid object identifier '${id}'.`) };
  }
  if (!record || record.state !== 'active') {
    return {
      ok: false,
      response: graphError(request, 404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`),
    };
  }
  return { ok: true, id: record.id, properties: record.properties as Record<string, unknown> };
}

function renderObject(
  collection: DirectoryCollection,
  tenant: TenantStore,
  properties: Record<string, unknown>,
  select: string[] | null,
  expand: ExpandOwners | undefined,
): Record<string, unknown> {
  const id = properties.id as string;
  const entry = renderProperties(properties, select ?? collection.defaultProperties, collection.collectionProperties, {
    signInActivity: () => signInActivity(tenant, id),
  });
  if (expand) {
    // Capped and not pageable: clients must treat 20 as "maybe more" and read /owners.
    entry.owners = tenant.activeOwnersOf(id).slice(0, EXPAND_LIMIT).map((ownerId) => renderDirectoryObject(tenant, ownerId, expand.select));
  }
  return entry;
}

function signInActivity(tenant: TenantStore, userId: string): Record<string, unknown> | null {
  const last = tenant.lastSignInOf(userId);
  if (!last) return null;
  return {
    lastSignInDateTime: last.createdDateTime,
    lastSignInRequestId: last.id,
    lastNonInteractiveSignInDateTime: null,
    lastNonInteractiveSignInRequestId: null,
    lastSuccessfulSignInDateTime: last.status.errorCode === 0 ? last.createdDateTime : null,
    lastSuccessfulSignInRequestId: last.status.errorCode === 0 ? last.id : null,
  };
}

const EXPAND_OWNERS = /^\s*owners\s*(?:\(\s*\$select\s*=\s*([^)]*)\))?\s*$/i;

function parseExpand(raw: string | undefined, collection: DirectoryCollection): Resolution<ExpandOwners | undefined> {
  if (raw === undefined || raw.trim() === '') return { ok: true, value: undefined };
  const match = collection.expandsOwners ? EXPAND_OWNERS.exec(raw) : null;
  if (!match) return { ok: false, message: `Could not find a navigation property named '${raw.split('(')[0]?.trim()}' on type '${collection.graphType}' (simulator expands owners only).` };
  if (match[1] === undefined) return { ok: true, value: { select: null } };
  const select = resolveSelect(DIRECTORY_OBJECT_SELECTABLE, 'microsoft.graph.directoryObject', match[1]);
  return select.ok ? { ok: true, value: { select: select.value } } : select;
}
