import type { AccessTokenAuthority } from '../identity/accessTokens';
import type { ClientApplication } from '../identity/clientApplication';
import { registerActivityControlRoutes } from './controlActivity';
import { registerAppCredentialControlRoutes } from './controlAppCredentials';
import { registerDirectoryControlRoutes } from './controlDirectory';
import { registerRelationshipControlRoutes } from './controlRelationships';
import { registerRoleScheduleControlRoutes } from './controlRoleSchedules';
import { registerSteadyChangeControlRoutes } from './controlSteadyChanges';
import { guarded, noContent, ok, parse } from './controlResponses';
import { clockAdvanceSchema, deltaSettingsSchema, permissionsSchema, streamSelectorSchema } from './controlSchemas';
import { registerTruthControlRoutes } from './controlTruth';
import type { DeltaTokenLifecycle } from '../graph/deltaTokenLifecycle';
import type { FaultInjector } from '../traffic/faults';
import type { DeltaQuerySettings } from '../graph/deltaQuery';
import type { RouteHandler, Router } from '../http/router';
import type { RequestLog } from '../http/requestLog';
import type { TenantStore } from '../tenant/tenantStore';
import type { SimulatorClock } from '../tenant/simulatorClock';

export const CONTROL_PREFIX = '/_sim';

/** Everything the control API drives; the running simulator exposes the same objects in-process. */
export interface SimulatorControl {
  config: Record<string, unknown>;
  tenant: TenantStore;
  application: ClientApplication;
  requestLog: RequestLog;
  /** Its routes are in controlTraffic.ts. */
  faults: FaultInjector;
  deltaTokens: DeltaTokenLifecycle;
  deltaSettings: DeltaQuerySettings;
  accessTokens: AccessTokenAuthority;
  /** The tenant's clock: ages delta tokens, client secrets and certificates. */
  clock: SimulatorClock;
}

/**
 * Unauthenticated JSON test-control routes under /_sim (the simulator only listens on
 * loopback). Control requests are neither logged nor subject to scripted faults.
 */
export function registerControlRoutes(router: Router, control: SimulatorControl): void {
  const route = (method: string, path: string, handler: RouteHandler) =>
    router.add(method, `${CONTROL_PREFIX}${path}`, guarded(handler));

  route('GET', '/config', () => ok(control.config));
  route('GET', '/state', () => ok(tenantState(control.tenant)));

  registerDirectoryControlRoutes(router, CONTROL_PREFIX, control.tenant);
  registerRelationshipControlRoutes(router, CONTROL_PREFIX, control.tenant);
  registerRoleScheduleControlRoutes(router, CONTROL_PREFIX, control.tenant);
  registerActivityControlRoutes(router, CONTROL_PREFIX, control.tenant);
  registerTruthControlRoutes(router, CONTROL_PREFIX, control.tenant);
  registerSteadyChangeControlRoutes(router, CONTROL_PREFIX, control.tenant, control.clock);
  registerAppCredentialControlRoutes(router, CONTROL_PREFIX, control.application);

  route('POST', '/delta/expire', (request) => {
    control.deltaTokens.expireAll(parse(streamSelectorSchema, request).stream);
    return noContent();
  });
  route('POST', '/delta/reset', (request) => {
    control.deltaTokens.resetAll(parse(streamSelectorSchema, request).stream);
    return noContent();
  });
  route('PATCH', '/delta/settings', (request) => {
    const settings = parse(deltaSettingsSchema, request);
    if (settings.pageSize !== undefined) control.deltaSettings.pageSize = settings.pageSize;
    if (settings.duplicates !== undefined) control.deltaSettings.duplicates = settings.duplicates;
    if (settings.maxAgeSeconds !== undefined) control.deltaTokens.maxAgeSeconds = settings.maxAgeSeconds;
    if (settings.membersPerEntry !== undefined) control.deltaSettings.membersPerEntry = settings.membersPerEntry;
    if (settings.changedPropertiesOnly !== undefined) control.deltaSettings.changedPropertiesOnly = settings.changedPropertiesOnly;
    if (settings.removedInInitialRound !== undefined) control.deltaSettings.removedInInitialRound = settings.removedInInitialRound;
    if (settings.repeatUnchangedDeltaLink !== undefined) control.deltaSettings.repeatUnchangedDeltaLink = settings.repeatUnchangedDeltaLink;
    if (settings.bareResyncLocation !== undefined) control.deltaSettings.bareResyncLocation = settings.bareResyncLocation;
    if (settings.expiredTokenAnswer !== undefined) control.deltaSettings.expiredTokenAnswer = settings.expiredTokenAnswer;
    return ok({ ...control.deltaSettings, maxAgeSeconds: control.deltaTokens.maxAgeSeconds });
  });

  route('GET', '/clock', () => ok({ now: control.clock.now().toISOString(), aheadSeconds: control.clock.aheadSeconds }));
  route('POST', '/clock/advance', (request) => {
    const now = control.clock.advance(parse(clockAdvanceSchema, request).seconds);
    return ok({ now: now.toISOString(), aheadSeconds: control.clock.aheadSeconds });
  });

  route('GET', '/requests', () => ok(control.requestLog.entries()));
  route('DELETE', '/requests', () => {
    control.requestLog.clear();
    return noContent();
  });

  // /_sim/faults lives in controlTraffic.ts with the other traffic routes.

  route('PUT', '/app/permissions', (request) => {
    control.application.grantedPermissions = parse(permissionsSchema, request).permissions;
    return ok({ grantedPermissions: control.application.grantedPermissions });
  });
}

/** Sizes and flags of the tenant at a glance. */
function tenantState(tenant: TenantStore): Record<string, unknown> {
  const active = (stream: 'users' | 'groups' | 'applications' | 'servicePrincipals') => {
    let count = 0;
    for (const _record of tenant.streamOf(stream).activeRecords()) count++;
    return count;
  };
  return {
    currentSeq: tenant.currentSeq,
    users: tenant.users.size,
    activeUsers: active('users'),
    groups: active('groups'),
    applications: active('applications'),
    servicePrincipals: active('servicePrincipals'),
    memberships: tenant.memberships.size,
    appRoleAssignments: tenant.appRoleAssignments.size,
    roleAssignments: tenant.roleAssignments.size,
    oauth2PermissionGrants: tenant.permissionGrants.size,
    directoryAudits: tenant.directoryAudits.size,
    signIns: tenant.signIns.size,
    premium: tenant.premium,
  };
}
