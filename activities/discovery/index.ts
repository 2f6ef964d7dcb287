import type { ActivityDeps } from '../deps';
import { filterTime } from '../graph/filterTime';
import { newestStoredSignIn } from './discoveryStaging';
import { GRANTS_STREAM, PULLED_STREAMS, SIGN_INS_STREAM } from '../../shared/streams';
import { pullDiscoverySource } from './pullDiscoverySource';
import { DEFAULT_AUDIT_OVERLAP_MS } from '../staging/pullAuditEvents';

/** How far back the first sign-in pull looks; a later one re-reads ENTRA_AUDIT_OVERLAP before the newest stored. */
export const SIGN_IN_LOOKBACK_MS = 7 * 86_400_000;

/** Activities of the discovery worker (task queue entra-discovery). */
export function createDiscoveryActivities(deps: ActivityDeps) {
  return {
    pullPermissionGrants: pullDiscoverySource(deps, {
      source: 'grant',
      stream: GRANTS_STREAM,
      what: 'oauth2PermissionGrants',
      permission: PULLED_STREAMS[GRANTS_STREAM].permission,
      // The most a directory collection pages (docs/graph-behaviour.md): a grant per consenting user adds up.
      firstLink: async ({ graphBaseUrl }) => `${graphBaseUrl}/oauth2PermissionGrants?$top=999`,
    }),
    pullSignIns: pullDiscoverySource(deps, {
      source: 'signIn',
      stream: SIGN_INS_STREAM,
      what: 'auditLogs/signIns',
      permission: PULLED_STREAMS[SIGN_INS_STREAM].permission,
      // The later of a week ago and the newest stored sign-in less an overlap for late arrivals.
      firstLink: async ({ graphBaseUrl, id }) => {
        const newest = await newestStoredSignIn(deps.db, id);
        // Sign-ins reach the log as late as audit events do (docs/graph-behaviour.md): the same overlap.
        const overlap = deps.auditOverlapMs ?? DEFAULT_AUDIT_OVERLAP_MS;
        const since = Math.max(Date.now() - SIGN_IN_LOOKBACK_MS, newest ? newest.getTime() - overlap : 0);
        return `${graphBaseUrl}/auditLogs/signIns?$filter=createdDateTime ge ${filterTime(since)}&$top=1000`;
      },
      isReport: true,
      unavailableCode: {
        code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
        reason: 'the tenant has no Microsoft Entra ID P1 or P2 licence, so Microsoft Graph does not list sign-ins; consent grants are still gathered',
      },
    }),
  };
}

export type DiscoveryActivities = ReturnType<typeof createDiscoveryActivities>;
