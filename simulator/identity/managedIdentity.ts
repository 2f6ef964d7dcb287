import { timingSafeEqual } from 'node:crypto';
import type { AccessTokenAuthority } from './accessTokens';
import type { ClientApplication } from './clientApplication';
import type { Router } from '../http/router';
import type { SimResponse } from '../http/simRequest';

export const MANAGED_IDENTITY_PATH = '/msi/token';
const GRAPH_RESOURCES = new Set(['https://graph.microsoft.com', 'https://graph.microsoft.com/', '00000003-0000-0000-c000-000000000000']);

/**
 * A host's managed identity endpoint in App Service's shape (the one @azure/identity finds through
 * IDENTITY_ENDPOINT and IDENTITY_HEADER): `GET ?api-version=2019-08-01&resource=…&client_id=…`
 * with the `X-IDENTITY-HEADER` secret. The app registration stands in for a user-assigned identity
 * attached to the host: its client id names it, its consented permissions become the token's roles.
 */
export function registerManagedIdentityRoute(
  router: Router,
  deps: { application: ClientApplication; authority: AccessTokenAuthority; identityHeader: string; now: () => Date },
): void {
  router.add('GET', MANAGED_IDENTITY_PATH, (request) => {
    const header = Buffer.from(request.headers['x-identity-header'] ?? '');
    const expected = Buffer.from(deps.identityHeader);
    if (header.length !== expected.length || !timingSafeEqual(header, expected)) {
      return answer(401, { statusCode: 401, message: 'Unauthorized: the X-IDENTITY-HEADER header is missing or wrong.' });
    }
    const query = request.url.searchParams;
    const resource = query.get('resource') ?? '';
    if (!GRAPH_RESOURCES.has(resource.toLowerCase())) return answer(400, { statusCode: 400, message: `The resource '${resource}' is not simulated.` });
    const clientId = query.get('client_id');
    if (clientId && clientId.toLowerCase() !== deps.application.clientId.toLowerCase()) {
      return answer(400, { statusCode: 400, message: 'No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.' });
    }
    const { token, claims } = deps.authority.issue(deps.application, { now: deps.now() });
    return answer(200, { access_token: token, expires_on: String(claims.exp), resource, token_type: 'Bearer', client_id: deps.application.clientId });
  });
}

function answer(status: number, body: unknown): SimResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, json: body };
}
