import type { AccessTokenAuthority, AccessTokenClaims } from '../identity/accessTokens';
import type { SimRequest, SimResponse } from '../http/simRequest';
import { graphError } from './graphResponses';

const INVALID_TOKEN_MESSAGES: Record<string, string> = {
  missing: 'Access token is empty.',
  malformed: 'IDX14100: JWT is not well formed, there are no dots (.).',
  badSignature: 'Access token validation failure. Invalid signature.',
  expired: 'Lifetime validation failed, the token is expired.',
  notYetValid: 'Lifetime validation failed, the token is not yet valid.',
  wrongAudience: 'Access token validation failure. Invalid audience.',
  wrongTenant: 'Access token validation failure. Invalid issuer.',
};

// Graph tells clients where to get a token when it refuses one.
const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

export type GraphAuthorization = { ok: true; claims: AccessTokenClaims } | { ok: false; response: SimResponse };

/**
 * Checks the bearer token, then that it carries at least one of `acceptedPermissions`
 * (Graph accepts any of several, e.g. User.Read.All or Directory.Read.All).
 */
export function authorizeGraphRequest(
  request: SimRequest,
  authority: AccessTokenAuthority,
  acceptedPermissions: readonly string[],
): GraphAuthorization {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const check = match ? authority.verify(match[1] as string) : ({ ok: false, reason: 'missing' } as const);
  if (!check.ok) {
    return {
      ok: false,
      response: graphError(request, 401, 'InvalidAuthenticationToken', INVALID_TOKEN_MESSAGES[check.reason] ?? 'Invalid token.', {
        'www-authenticate': WWW_AUTHENTICATE,
      }),
    };
  }
  const roles = check.claims.roles ?? [];
  if (acceptedPermissions.length > 0 && !acceptedPermissions.some((permission) => roles.includes(permission))) {
    return {
      ok: false,
      response: graphError(request, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
    };
  }
  return { ok: true, claims: check.claims };
}
