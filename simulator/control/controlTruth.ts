import { guarded, ok } from './controlResponses';
import {
  activeObjects,
  appRoleAssignments,
  credentials,
  directMemberships,
  effectiveEntitlements,
  groupOwnerships,
  ownerships,
  roleAssignments,
  roleMemberships,
} from '../tenant/groundTruth';
import { privilegedAccess } from '../tenant/privilegedAccessTruth';
import type { RouteHandler, Router } from '../http/router';
import { STREAM_NAMES, type TenantStore } from '../tenant/tenantStore';

/** GET /_sim/truth/…: the expected state of a correct sync (see groundTruth.ts). */
export function registerTruthControlRoutes(router: Router, prefix: string, tenant: TenantStore): void {
  const route = (path: string, handler: RouteHandler) => router.add('GET', `${prefix}/truth${path}`, guarded(handler));
  for (const stream of STREAM_NAMES) route(`/${stream}`, () => ok(activeObjects(tenant, stream)));
  route('/memberships', () => ok(directMemberships(tenant)));
  route('/owners', () => ok(ownerships(tenant)));
  route('/groupOwners', () => ok(groupOwnerships(tenant)));
  route('/appRoleAssignments', () => ok(appRoleAssignments(tenant)));
  route('/roleAssignments', () => ok(roleAssignments(tenant)));
  route('/roleMemberships', () => ok(roleMemberships(tenant)));
  route('/privilegedAccess', () => ok(privilegedAccess(tenant)));
  route('/entitlements', () => ok(effectiveEntitlements(tenant)));
  route('/credentials', () => ok(credentials(tenant)));
}
