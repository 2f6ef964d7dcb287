import type { AccessTokenAuthority, AccessTokenClaims } from '../identity/accessTokens';
import type { FaultInjector } from '../traffic/faults';
import type { RouteParams, Router } from '../http/router';
import type { SimRequest, SimResponse } from '../http/simRequest';
import { applicationsDeltaResource } from './applicationsDelta';
import { handleDirectoryAudits, handleSignIns } from './auditLogs';
import { handleBatch, type AfterSubRequest, type BeforeSubRequest, type ChargeSubRequest } from './batch';
import { handleDeltaQuery, type DeltaQueryDependencies, type DeltaResource } from './deltaQuery';
import { DIRECTORY_COLLECTIONS, handleDirectoryList, handleDirectoryObject, type DirectoryCollectionDependencies } from './directoryCollections';
import { authorizeGraphRequest } from './graphAuthorization';
import { dispatchGraphRequest, type GraphDispatcher } from './graphDispatch';
import { GRAPH_PERMISSIONS } from './graphPermissions';
import { groupsDeltaResource } from './groupsDelta';
import { handleAppRoleAssignedTo, handleGroupMembers, handleOwners } from './objectRelations';
import { derivePageTokenKey, PageTokenCodec } from './pageToken';
import { handlePermissionGrants } from './permissionGrantsList';
import { handleRoleAssignments, handleRoleDefinitions } from './roleManagement';
import { handleAdministrativeUnits } from './administrativeUnitsList';
import { GROUP_ASSIGNMENT_INSTANCES, GROUP_ELIGIBILITY_INSTANCES, handleGroupPimScheduleInstances } from './groupPimScheduleInstances';
import { handleRoleScheduleInstances, ROLE_ASSIGNMENT_INSTANCES, ROLE_ELIGIBILITY_INSTANCES } from './roleScheduleInstances';
import { servicePrincipalsDeltaResource } from './servicePrincipalsDelta';
import { usersDeltaResource } from './usersDelta';

/** Delta endpoints served. */
export const DELTA_RESOURCES: readonly DeltaResource[] = [
  usersDeltaResource,
  groupsDeltaResource,
  applicationsDeltaResource,
  servicePrincipalsDeltaResource,
];

export interface GraphRouteDependencies extends DeltaQueryDependencies {
  authority: AccessTokenAuthority;
  /** When given, scripted faults also match $batch sub-request paths. */
  faults?: FaultInjector;
  /** Throttling of $batch sub-requests, each on its own (e.g. `(sub) => throttle.charge(sub)`). */
  chargeSubRequest?: ChargeSubRequest;
  /** Request-pipeline hook run for every $batch sub-request before its handler. */
  beforeSubRequest?: BeforeSubRequest;
  /** Request-pipeline hook run for every $batch sub-request's answer (counters, headers). */
  afterSubRequest?: AfterSubRequest;
  /** Caps report pages (directoryAudits, signIns) below `$top`. */
  reportPageSize?: number;
}

/** What the pipeline may keep: the dispatcher $batch uses for its sub-requests. */
export interface GraphRoutes {
  dispatch: GraphDispatcher;
}

type AuthorizedHandler = (request: SimRequest, params: RouteParams, claims: AccessTokenClaims) => SimResponse | Promise<SimResponse>;

export function registerGraphRoutes(router: Router, deps: GraphRouteDependencies): GraphRoutes {
  const collections: DirectoryCollectionDependencies = {
    tenant: deps.tenant,
    origin: deps.origin,
    pageTokens: new PageTokenCodec(derivePageTokenKey(deps.tenant.tenantId, deps.tenant.seed)),
    ...(deps.reportPageSize ? { reportPageSize: deps.reportPageSize } : {}),
  };
  const get = (path: string, permissions: readonly string[], handler: AuthorizedHandler) =>
    router.add('GET', path, (request, params) => {
      const authorization = authorizeGraphRequest(request, deps.authority, permissions);
      if (!authorization.ok) return authorization.response;
      return handler(request, params, authorization.claims);
    });

  // Delta routes come first: /users/delta must not be taken for /users/{id}.
  for (const resource of DELTA_RESOURCES) {
    get(resource.path, resource.acceptedPermissions, (request) => handleDeltaQuery(resource, deps, request));
  }
  for (const collection of DIRECTORY_COLLECTIONS) {
    get(collection.path, collection.acceptedPermissions, (request, _params, claims) => handleDirectoryList(collection, collections, request, claims));
    get(`${collection.path}/:id`, collection.acceptedPermissions, (request, params) =>
      handleDirectoryObject(collection, collections, request, params.id ?? ''),
    );
  }
  get('/v1.0/applications/:id/owners', GRAPH_PERMISSIONS.owners, (request, params) => handleOwners('applications', collections, request, params.id ?? ''));
  get('/v1.0/servicePrincipals/:id/owners', GRAPH_PERMISSIONS.owners, (request, params) =>
    handleOwners('servicePrincipals', collections, request, params.id ?? ''),
  );
  get('/v1.0/servicePrincipals/:id/appRoleAssignedTo', GRAPH_PERMISSIONS.appRoleAssignedTo, (request, params) =>
    handleAppRoleAssignedTo(collections, request, params.id ?? ''),
  );
  get('/v1.0/groups/:id/members', GRAPH_PERMISSIONS.groups, (request, params) => handleGroupMembers(collections, request, params.id ?? ''));
  get('/v1.0/roleManagement/directory/roleAssignments', GRAPH_PERMISSIONS.roleManagement, (request) => handleRoleAssignments(collections, request));
  get('/v1.0/roleManagement/directory/roleDefinitions', GRAPH_PERMISSIONS.roleManagement, (request) => handleRoleDefinitions(collections, request));
  get('/v1.0/roleManagement/directory/roleEligibilityScheduleInstances', GRAPH_PERMISSIONS.roleEligibilitySchedules, (request) =>
    handleRoleScheduleInstances(ROLE_ELIGIBILITY_INSTANCES, collections, request),
  );
  get('/v1.0/roleManagement/directory/roleAssignmentScheduleInstances', GRAPH_PERMISSIONS.roleAssignmentSchedules, (request) =>
    handleRoleScheduleInstances(ROLE_ASSIGNMENT_INSTANCES, collections, request),
  );
  get('/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances', GRAPH_PERMISSIONS.groupEligibilitySchedules, (request) =>
    handleGroupPimScheduleInstances(GROUP_ELIGIBILITY_INSTANCES, collections, request),
  );
  get('/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances', GRAPH_PERMISSIONS.groupAssignmentSchedules, (request) =>
    handleGroupPimScheduleInstances(GROUP_ASSIGNMENT_INSTANCES, collections, request),
  );
  get('/v1.0/directory/administrativeUnits', GRAPH_PERMISSIONS.administrativeUnits, (request) => handleAdministrativeUnits(collections, request));
  get('/v1.0/oauth2PermissionGrants', GRAPH_PERMISSIONS.permissionGrants, (request) => handlePermissionGrants(collections, request));
  get('/v1.0/auditLogs/directoryAudits', GRAPH_PERMISSIONS.auditLogs, (request) => handleDirectoryAudits(collections, request));
  get('/v1.0/auditLogs/signIns', GRAPH_PERMISSIONS.auditLogs, (request) => handleSignIns(collections, request));

  const dispatch: GraphDispatcher = (request) => dispatchGraphRequest(router, request);
  router.add('POST', '/v1.0/$batch', (request) =>
    handleBatch(
      {
        dispatch,
        origin: deps.origin,
        authority: deps.authority,
        ...(deps.faults ? { faults: deps.faults } : {}),
        ...(deps.chargeSubRequest ? { chargeSubRequest: deps.chargeSubRequest } : {}),
        ...(deps.beforeSubRequest ? { beforeSubRequest: deps.beforeSubRequest } : {}),
        ...(deps.afterSubRequest ? { afterSubRequest: deps.afterSubRequest } : {}),
      },
      request,
    ),
  );
  return { dispatch };
}
