import { CONTROL_PREFIX } from '../control/control';
import { bearerCaller } from '../traffic/bearerCaller';
import { isGraphPath } from '../traffic/graphPath';

/** The control API of one tenant of a multi-tenant simulator: `/_sim/tenants/{tenantId}/...`. */
export const TENANT_CONTROL_PREFIX = `${CONTROL_PREFIX}/tenants`;

/** Which served tenant a request is for, and the path that tenant's routes see. */
export interface TenantRoute {
  /** Index into the served tenants; 0 (the first tenant) when the request names none it serves. */
  index: number;
  /** Set when the path is rewritten (the tenant-addressed control API); query kept. */
  path?: string;
}

/**
 * Routes a request as Microsoft's hosts do: the identity platform by the tenant in the path
 * (`/{tenant}/oauth2/v2.0/token`), Graph by the tenant of the bearer token (Graph's URLs name
 * none), the control API by `/_sim/tenants/{tenantId}/`. Anything else, and any tenant not served,
 * goes to the first tenant, whose routes answer it exactly as a single-tenant simulator does
 * (an unknown tenant, an invalid token).
 */
export function routeToTenant(rawUrl: string, authorization: string | undefined, tenantNames: readonly (readonly string[])[]): TenantRoute {
  const byName = (name: string | undefined): number => {
    const wanted = name?.toLowerCase();
    const index = wanted === undefined ? -1 : tenantNames.findIndex((names) => names.includes(wanted));
    return index < 0 ? 0 : index;
  };
  const queryAt = rawUrl.indexOf('?');
  const pathname = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
  const query = queryAt < 0 ? '' : rawUrl.slice(queryAt);

  if (isGraphPath(pathname)) return { index: byName(bearerCaller(authorization)?.tenantId) };

  const segments = pathname.split('/').filter((segment) => segment.length > 0);
  const prefix = TENANT_CONTROL_PREFIX.split('/').filter(Boolean);
  const addressed = segments.length > prefix.length && prefix.every((segment, i) => segments[i]?.toLowerCase() === segment);
  if (addressed) {
    const tenant = safeDecode(segments[prefix.length] as string);
    const index = tenantNames.findIndex((names) => names.includes(tenant.toLowerCase()));
    // An unknown tenant keeps its path: no route matches it, so it answers 404.
    if (index < 0) return { index: 0 };
    const rest = segments.slice(prefix.length + 1).join('/');
    return { index, path: `${CONTROL_PREFIX}/${rest}${query}` };
  }
  return { index: byName(segments[0] === undefined ? undefined : safeDecode(segments[0])) };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
