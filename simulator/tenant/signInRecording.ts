// Sign-ins posted through the control API: a plausible interactive browser sign-in unless overridden.

import type { SignIn } from '../model/signIn';
import type { NewSignIn } from './tenantModel';
import type { TenantStore } from './tenantStore';

/** A sign-in of a user into an app (by appId); names are filled from the tenant. */
export function newSignIn(tenant: TenantStore, input: NewSignIn): SignIn {
  const { userId, appId, ...overrides } = input;
  const user = tenant.users.require(userId).properties;
  const app = tenant.findServicePrincipalByAppId(appId);
  return {
    id: tenant.ids.guid(),
    createdDateTime: new Date(tenant.currentTime()).toISOString(),
    userDisplayName: user.displayName,
    userPrincipalName: user.userPrincipalName,
    userId: user.id,
    appId: appId.toLowerCase(),
    appDisplayName: app?.displayName ?? input.appDisplayName ?? 'Unknown application',
    ipAddress: `203.0.113.${tenant.ids.int(1, 254)}`,
    clientAppUsed: 'Browser',
    correlationId: tenant.ids.guid(),
    conditionalAccessStatus: 'success',
    isInteractive: true,
    resourceDisplayName: app?.displayName ?? 'Microsoft Graph',
    resourceId: app?.appId ?? '00000003-0000-0000-c000-000000000000',
    riskDetail: 'none',
    riskLevelAggregated: 'none',
    riskLevelDuringSignIn: 'none',
    riskState: 'none',
    status: { errorCode: 0, failureReason: null, additionalDetails: null },
    deviceDetail: { deviceId: '', displayName: '', operatingSystem: 'Windows10', browser: 'Edge 124.0.0', isCompliant: false, isManaged: false, trustType: '' },
    location: { city: user.city ?? 'Seattle', state: null, countryOrRegion: user.usageLocation ?? 'US', geoCoordinates: null },
    ...overrides,
  };
}
