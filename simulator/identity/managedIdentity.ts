import { timingSafeEqual } from 'node:crypto';
import type { AccessTokenAuthority } from './accessTokens';
import type { ClientApplication } from './clientApplication';
import type { Router } from '../http/router';
import type { SimResponse } from '../http/simRequest';

export const MANAGED_IDENTITY_PATH = '/msi/token';
const GRAPH_RESOURCES = new Set(['https://graph.microsoft.com', 'https://graph.microsoft.com/', '00000003-0000-0000-c000-000000000000']);

/**
 * A host's managed identity endpoint in App Service's shape (the one @azure/identity finds through
 * IDENTITY_ENDPOINT and IDENTITY_HEADER): `GET ?api-version=2019-08-01&resource=…` with the
 * `X-IDENTITY-HEADER` secret. The app registration stands in for the host's identities: named by
 * its client id (`client_id`) or its service principal's object id (`object_id`), it is a
 * user-assigned identity attached to the host; a request naming no identity asks for the host's
 * system-assigned identity, which the app also stands in for while `host.systemAssigned` is on.
 * Its consented permissions become the token's roles.
 */
export function registerManagedIdentityRoute(
  router: Router,
  deps: { application: ClientApplication; authority: AccessTokenAuthority; identityHeader: string; host: { systemAssigned: boolean }; now: () => Date },
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
    const named = { clientId: query.get('client_id'), objectId: query.get('object_id'), resourceId: query.get('mi_res_id') };
    const app = deps.application;
    if (named.clientId || named.objectId || named.resourceId) {
      const attached =
        (!named.clientId || named.clientId.toLowerCase() === app.clientId.toLowerCase()) &&
        (!named.objectId || named.objectId.toLowerCase() === app.servicePrincipalId.toLowerCase()) &&
        !named.resourceId; // no Azure resource ids are simulated
      if (!attached) return answer(400, { statusCode: 400, message: 'No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.' });
    } else if (!deps.host.systemAssigned) {
      // The wording of this answer is not documented (docs/graph-behaviour.md).
      return answer(400, { statusCode: 400, message: 'No system-assigned managed identity is enabled on this resource.' });
    }
    const { token, claims } = deps.authority.issue(app, { now: deps.now() });
    return answer(200, { access_token: token, expires_on: String(claims.exp), resource, token_type: 'Bearer', client_id: app.clientId });
  });
}

function answer(status: number, body: unknown): SimResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, json: body };
}
