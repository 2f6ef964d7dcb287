import { timingSafeEqual } from 'node:crypto';
import type { AccessTokenAuthority } from './accessTokens';
import type { ClientApplication } from './clientApplication';
import type { Router } from '../http/router';
import type { SimRequest, SimResponse } from '../http/simRequest';
import { AADSTS, aadError } from './identityErrors';
import { JWT_BEARER, verifyClientAssertion } from './clientAssertion';
import type { PublicOrigin } from '../http/publicOrigin';
import type { TenantIdentity } from '../tenant/tenantStore';

export interface IdentityDependencies {
  tenant: TenantIdentity;
  application: ClientApplication;
  authority: AccessTokenAuthority;
  origin: PublicOrigin;
  now: () => Date;
  /** The tenant's clock (it may run ahead of real time): what a client secret's expiry is judged by. */
  clock: { now(): Date };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const GRAPH_RESOURCES = new Set(['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000']);
// MSAL may add these OIDC scopes; the token service ignores them for client credentials.
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

/**
 * The slice of the Microsoft identity platform MSAL needs for client credentials:
 * OIDC discovery, the v2 token endpoint and an (empty) JWKS document.
 */
export function registerIdentityRoutes(router: Router, deps: IdentityDependencies): void {
  router.add('GET', '/:tenant/v2.0/.well-known/openid-configuration', (request, params) => {
    const tenant = resolveTenant(deps, params.tenant ?? '');
    if (tenant !== 'ok') {
      const kind = tenant === 'malformed' ? AADSTS.malformedTenantDiscovery : AADSTS.unknownTenantDiscovery;
      return aadError(request, kind, tenantErrorMessage(tenant, params.tenant ?? ''), deps.origin.url);
    }
    return json(200, openIdConfiguration(deps));
  });

  router.add('GET', '/:tenant/discovery/v2.0/keys', () => json(200, { keys: [] }));

  router.add('POST', '/:tenant/oauth2/v2.0/token', (request, params) => issueToken(request, params.tenant ?? '', deps));
}

function openIdConfiguration(deps: IdentityDependencies): Record<string, unknown> {
  const base = `${deps.origin.url}/${deps.tenant.tenantId}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    // MSAL checks that the issuer has the authority's scheme, host and port.
    issuer: `${base}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${deps.origin.url}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

function issueToken(request: SimRequest, tenantSegment: string, deps: IdentityDependencies): SimResponse {
  const fail = (kind: Parameters<typeof aadError>[1], message: string) => aadError(request, kind, message, deps.origin.url);

  const tenant = resolveTenant(deps, tenantSegment);
  if (tenant === 'malformed') return fail(AADSTS.malformedTenant, tenantErrorMessage(tenant, tenantSegment));
  if (tenant === 'unknown') return fail(AADSTS.unknownTenant, tenantErrorMessage(tenant, tenantSegment));

  const form = new URLSearchParams(request.body);
  const basic = readBasicCredentials(request.headers.authorization);
  const clientId = form.get('client_id') ?? basic?.clientId;
  const clientSecret = form.get('client_secret') ?? basic?.clientSecret;
  const grantType = form.get('grant_type');
  const scope = form.get('scope');

  if (!grantType) return fail(AADSTS.missingParameter, "The request body must contain the following parameter: 'grant_type'.");
  if (grantType !== 'client_credentials') {
    return fail(AADSTS.unsupportedGrantType, 'The provided value for the input parameter \'grant_type\' is not valid. Only client_credentials is simulated.');
  }
  if (!clientId) return fail(AADSTS.missingParameter, "The request body must contain the following parameter: 'client_id'.");
  const app = deps.application;
  if (clientId.toLowerCase() !== app.clientId.toLowerCase()) {
    return fail(
      AADSTS.unknownClient,
      `Application with identifier '${clientId}' was not found in the directory '${deps.tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const assertion = form.get('client_assertion');
  if (assertion !== null || form.get('client_assertion_type') !== null) {
    if (form.get('client_assertion_type') !== JWT_BEARER || !assertion) {
      return fail(AADSTS.missingParameter, `The request body must contain the following parameter: 'client_assertion_type' = '${JWT_BEARER}' with 'client_assertion'.`);
    }
    // The assertion is addressed to this token endpoint, by tenant id or by domain.
    const endpoints = [tenantSegment, deps.tenant.tenantId, deps.tenant.domain].map((t) => `${deps.origin.url}/${t}/oauth2/v2.0/token`.toLowerCase());
    const verdict = verifyClientAssertion(assertion, app, endpoints, deps.now());
    if (!verdict.ok) return fail(verdict.kind, verdict.message);
  } else {
    const secretFailure = checkSecret(clientSecret, app, deps.clock.now());
    if (secretFailure) return fail(secretFailure.kind, secretFailure.message);
  }
  if (!scope) return fail(AADSTS.missingParameter, "The request body must contain the following parameter: 'scope'.");
  const scopeError = checkScope(scope, deps.tenant.tenantId);
  if (scopeError) return fail(scopeError.kind, scopeError.message);

  const { token, claims } = deps.authority.issue(app, { now: deps.now() });
  const lifetime = claims.exp - claims.iat;
  return json(200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token });
}

function checkSecret(clientSecret: string | undefined, app: ClientApplication, now: Date): { kind: Parameters<typeof aadError>[1]; message: string } | undefined {
  if (!clientSecret) {
    return { kind: AADSTS.missingSecret, message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'." };
  }
  if (!sameSecret(clientSecret, app.clientSecret)) {
    return {
      kind: AADSTS.wrongSecret,
      message: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
    };
  }
  if (app.secretExpiresAt && app.secretExpiresAt.getTime() <= now.getTime()) {
    return {
      kind: AADSTS.expiredSecret,
      message: `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    };
  }
  return undefined;
}

function checkScope(scope: string, tenantId: string): { kind: Parameters<typeof aadError>[1]; message: string } | undefined {
  const scopes = scope.split(/\s+/).filter((entry) => entry && !OIDC_SCOPES.has(entry.toLowerCase()));
  const resourceScope = scopes.length === 1 ? (scopes[0] as string) : undefined;
  if (!resourceScope || !resourceScope.endsWith('/.default')) {
    return {
      kind: AADSTS.invalidScope,
      message: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    };
  }
  const resource = resourceScope.slice(0, -'/.default'.length).replace(/\/$/, '');
  if (!GRAPH_RESOURCES.has(resource.toLowerCase())) {
    return {
      kind: AADSTS.unknownResource,
      message: `The resource principal named ${resource} was not found in the tenant named ${tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    };
  }
  return undefined;
}

type TenantResolution = 'ok' | 'unknown' | 'malformed';

/** Accepts the tenant id or its initial domain; tells "unknown" from "not even a tenant id". */
function resolveTenant(deps: IdentityDependencies, segment: string): TenantResolution {
  const value = segment.toLowerCase();
  if (value === deps.tenant.tenantId.toLowerCase() || value === deps.tenant.domain.toLowerCase()) return 'ok';
  if (GUID.test(value) || DNS_NAME.test(value) || ['common', 'organizations', 'consumers'].includes(value)) return 'unknown';
  return 'malformed';
}

function tenantErrorMessage(resolution: TenantResolution, segment: string): string {
  return resolution === 'malformed'
    ? `Specified tenant identifier '${segment}' is neither a valid DNS name, nor a valid external domain.`
    : `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`;
}

function readBasicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon)),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  } catch {
    return undefined;
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function json(status: number, body: unknown): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
    json: body,
  };
}
