import type { AccessTokenAuthority } from '../accessTokens';
import type { Router } from '../http/router';
import { handleDeltaQuery, type DeltaQueryDependencies, type DeltaResource } from './deltaQuery';
import { authorizeGraphRequest } from './graphAuthorization';
import { usersDeltaResource } from './usersDelta';

/** Delta endpoints served; groups, applications and servicePrincipals join this list. */
export const DELTA_RESOURCES: readonly DeltaResource[] = [usersDeltaResource];

export interface GraphRouteDependencies extends DeltaQueryDependencies {
  authority: AccessTokenAuthority;
}

export function registerGraphRoutes(router: Router, deps: GraphRouteDependencies): void {
  for (const resource of DELTA_RESOURCES) {
    router.add('GET', resource.path, (request) => {
      const authorization = authorizeGraphRequest(request, deps.authority, resource.acceptedPermissions);
      if (!authorization.ok) return authorization.response;
      return handleDeltaQuery(resource, deps, request);
    });
  }
}
