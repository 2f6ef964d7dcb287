import { randomUUID } from 'node:crypto';
import type { AccessTokenAuthority, AccessTokenClaims } from '../identity/accessTokens';
import type { PublicOrigin } from '../http/publicOrigin';
import type { RouteParams, Router } from '../http/router';
import type { SimRequest, SimResponse } from '../http/simRequest';
import type { ChangeNotificationService } from '../notifications/changeNotifications';
import {
  httpsUrlProblem,
  MAX_CLIENT_STATE_LENGTH,
  MAX_LIFETIME_MINUTES,
  parseChangeTypes,
  parseResource,
  permissionsFor,
  settleExpiration,
  TLS_VERSIONS,
  type WatchedResource,
} from '../notifications/subscriptionRules';
import { subscriptionView, type Subscription } from '../notifications/subscriptions';
import { validateEndpoint } from '../notifications/validationHandshake';
import { authorizeGraphRequest } from './graphAuthorization';
import { graphError, graphJson } from './graphResponses';

export interface SubscriptionRouteDependencies {
  service: ChangeNotificationService;
  authority: AccessTokenAuthority;
  origin: PublicOrigin;
  /** The calling app: applicationId and creatorId of what it creates. */
  application: { clientId: string; servicePrincipalId: string };
}

type Handler = (request: SimRequest, params: RouteParams, claims: AccessTokenClaims) => SimResponse | Promise<SimResponse>;

/**
 * /v1.0/subscriptions for users and groups (docs/graph-behaviour.md, "Change notifications"):
 * create (with the endpoint validation handshake), list, get, renew by PATCH, delete, reauthorize.
 */
export function registerSubscriptionRoutes(router: Router, deps: SubscriptionRouteDependencies): void {
  const route = (method: string, path: string, handler: Handler) =>
    router.add(method, path, async (request, params) => {
      const authorization = authorizeGraphRequest(request, deps.authority, []);
      if (!authorization.ok) return authorization.response;
      // Expiry happens on the tenant's clock: settle it before answering.
      deps.service.tick();
      return withTenantDate(deps, await handler(request, params, authorization.claims));
    });
  const context = () => `${deps.origin.url}/v1.0/$metadata#subscriptions`;

  route('GET', '/v1.0/subscriptions', () =>
    graphJson(200, { '@odata.context': context(), value: deps.service.subscriptions.all().map(subscriptionView) }),
  );
  route('GET', '/v1.0/subscriptions/:id', (request, params) => {
    const subscription = deps.service.subscriptions.get(params.id ?? '');
    if (!subscription) return notFound(request);
    return graphJson(200, { '@odata.context': `${context()}/$entity`, ...subscriptionView(subscription) });
  });
  route('POST', '/v1.0/subscriptions', (request, _params, claims) => createSubscription(deps, request, claims, `${context()}/$entity`));
  route('PATCH', '/v1.0/subscriptions/:id', (request, params, claims) => renewSubscription(deps, request, params.id ?? '', claims, `${context()}/$entity`));
  route('DELETE', '/v1.0/subscriptions/:id', (request, params) =>
    deps.service.subscriptions.remove(params.id ?? '') ? { status: 204 } : notFound(request),
  );
  route('POST', '/v1.0/subscriptions/:id/reauthorize', (request, params, claims) => {
    const subscription = deps.service.subscriptions.get(params.id ?? '');
    if (!subscription) return notFound(request);
    if (!mayRead(claims, subscription.watched)) return denied(request);
    deps.service.authorize(subscription);
    return { status: 204 };
  });
}

/**
 * Graph's answers carry its time in `Date`; here the tenant's clock, on which expirations are
 * set, so a client can ask for a lifetime on Graph's clock even when the test moved it.
 */
function withTenantDate(deps: SubscriptionRouteDependencies, response: SimResponse): SimResponse {
  return { ...response, headers: { ...response.headers, date: new Date(deps.service.currentTimeMs()).toUTCString() } };
}

async function createSubscription(deps: SubscriptionRouteDependencies, request: SimRequest, claims: AccessTokenClaims, context: string): Promise<SimResponse> {
  const body = jsonObject(request);
  if (!body) return invalid(request, 'The request body must be a JSON object.');
  for (const name of ['changeType', 'notificationUrl', 'resource', 'expirationDateTime']) {
    if (typeof body[name] !== 'string' || body[name] === '') return invalid(request, `The property '${name}' is required.`);
  }
  const resource = body.resource as string;
  const watched = parseResource(resource);
  if (!watched) return invalid(request, `Resource '${resource}' is not supported for change notifications by this simulator (users and groups only).`);
  if (!mayRead(claims, watched)) return denied(request);
  const changeTypes = parseChangeTypes(body.changeType as string);
  if (!changeTypes.ok) return invalid(request, `ChangeType '${changeTypes.bad}' is not supported for resource '${resource}'; supported: updated, deleted.`);
  const problem = urlProblems(body);
  if (problem) return invalid(request, problem);
  const clientState = body.clientState ?? null;
  if (clientState !== null && (typeof clientState !== 'string' || clientState.length > MAX_CLIENT_STATE_LENGTH)) {
    return invalid(request, `clientState must be a string of at most ${MAX_CLIENT_STATE_LENGTH} characters.`);
  }
  if (body.includeResourceData === true) return invalid(request, `Resource '${resource}' does not support notifications with resource data.`);
  const tls = body.latestSupportedTlsVersion ?? 'v1_2';
  if (typeof tls !== 'string' || !(TLS_VERSIONS as readonly string[]).includes(tls)) return invalid(request, `latestSupportedTlsVersion must be one of ${TLS_VERSIONS.join(', ')}.`);
  const expiration = expirationOf(deps, request, body.expirationDateTime);
  if ('response' in expiration) return expiration.response;

  const service = deps.service;
  const duplicate = service.subscriptions.all().find((s) => sameResource(s.watched, watched) && sameTypes(s.changeTypes, changeTypes.types));
  if (duplicate) return graphError(request, 409, 'Conflict', `Subscription Id ${duplicate.id} already exists for the requested combination`);
  const quota = quotaProblem(deps);
  if (quota) return graphError(request, 403, 'ExtensionError', quota);

  // The handshake: the notification URL, then the lifecycle URL, each must echo its token.
  const urls = [body.notificationUrl as string, ...(typeof body.lifecycleNotificationUrl === 'string' ? [body.lifecycleNotificationUrl] : [])];
  for (const url of urls) {
    const handshake = await validateEndpoint(url, service.settings.validationTimeoutMs, service.trust);
    if (!handshake.ok) {
      return graphError(
        request,
        400,
        'ValidationError',
        handshake.reason === 'timedOut'
          ? 'Subscription validation request timed out.'
          : `Subscription validation request failed. Notification endpoint must respond with 200 OK to this request. (${handshake.detail})`,
      );
    }
  }

  const subscription: Subscription = {
    id: randomUUID(),
    resource,
    watched,
    changeTypes: changeTypes.types,
    changeType: body.changeType as string,
    clientState: clientState as string | null,
    notificationUrl: body.notificationUrl as string,
    lifecycleNotificationUrl: typeof body.lifecycleNotificationUrl === 'string' ? body.lifecycleNotificationUrl : null,
    latestSupportedTlsVersion: tls,
    expiresAtMs: expiration.expiresAtMs,
    applicationId: deps.application.clientId,
    creatorId: deps.application.servicePrincipalId,
    authorizedUntilMs: 0,
    nextChallengeAtMs: 0,
  };
  service.subscriptions.add(subscription);
  service.authorize(subscription);
  return graphJson(201, { '@odata.context': context, ...subscriptionView(subscription) });
}

async function renewSubscription(
  deps: SubscriptionRouteDependencies,
  request: SimRequest,
  id: string,
  claims: AccessTokenClaims,
  context: string,
): Promise<SimResponse> {
  const subscription = deps.service.subscriptions.get(id);
  if (!subscription) return notFound(request);
  const body = jsonObject(request);
  if (!body) return invalid(request, 'The request body must be a JSON object.');
  if (body.lifecycleNotificationUrl !== undefined) {
    return invalid(request, 'lifecycleNotificationUrl can only be set when the subscription is created.');
  }
  if (!mayRead(claims, subscription.watched)) return denied(request);
  const expiration = body.expirationDateTime === undefined ? { expiresAtMs: subscription.expiresAtMs } : expirationOf(deps, request, body.expirationDateTime);
  if ('response' in expiration) return expiration.response;
  if (body.notificationUrl !== undefined) {
    if (typeof body.notificationUrl !== 'string' || httpsUrlProblem(body.notificationUrl)) return invalid(request, 'notificationUrl must be an absolute HTTPS URL.');
    const handshake = await validateEndpoint(body.notificationUrl, deps.service.settings.validationTimeoutMs, deps.service.trust);
    if (!handshake.ok) return graphError(request, 400, 'ValidationError', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to this request.');
    subscription.notificationUrl = body.notificationUrl;
  }
  subscription.expiresAtMs = expiration.expiresAtMs;
  // Renewing also reauthorizes.
  deps.service.authorize(subscription);
  return graphJson(200, { '@odata.context': context, ...subscriptionView(subscription) });
}

function expirationOf(deps: SubscriptionRouteDependencies, request: SimRequest, value: unknown): { expiresAtMs: number } | { response: SimResponse } {
  const requested = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(requested.getTime())) return { response: invalid(request, 'expirationDateTime is not a valid date and time.') };
  const settled = settleExpiration(requested, deps.service.currentTimeMs());
  if (!settled.ok) return { response: invalid(request, `Subscription expiration can only be ${MAX_LIFETIME_MINUTES} minutes in the future.`) };
  return { expiresAtMs: settled.expiresAtMs };
}

function urlProblems(body: Record<string, unknown>): string | undefined {
  const notification = httpsUrlProblem(body.notificationUrl as string);
  if (notification) return `notificationUrl ${notification}.`;
  if (body.lifecycleNotificationUrl !== undefined && body.lifecycleNotificationUrl !== null) {
    if (typeof body.lifecycleNotificationUrl !== 'string') return 'lifecycleNotificationUrl must be a string.';
    const lifecycle = httpsUrlProblem(body.lifecycleNotificationUrl);
    if (lifecycle) return `lifecycleNotificationUrl ${lifecycle}.`;
  }
  return undefined;
}

function quotaProblem(deps: SubscriptionRouteDependencies): string | undefined {
  const { settings, subscriptions } = deps.service;
  if (subscriptions.countFor(deps.application.clientId) >= settings.maxSubscriptionsPerApp) {
    return `Subscription quota reached: at most ${settings.maxSubscriptionsPerApp} subscriptions per app in a tenant for users and groups.`;
  }
  if (subscriptions.size >= settings.maxSubscriptionsPerTenant) {
    return `Subscription quota reached: at most ${settings.maxSubscriptionsPerTenant} subscriptions per tenant for users and groups.`;
  }
  return undefined;
}

function mayRead(claims: AccessTokenClaims, watched: WatchedResource): boolean {
  const roles = claims.roles ?? [];
  return permissionsFor(watched).some((permission) => roles.includes(permission));
}

function sameResource(a: WatchedResource, b: WatchedResource): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameTypes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((type) => b.includes(type));
}

function jsonObject(request: SimRequest): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(request.body || 'null');
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function invalid(request: SimRequest, message: string): SimResponse {
  return graphError(request, 400, 'InvalidRequest', message);
}

function denied(request: SimRequest): SimResponse {
  return graphError(request, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

function notFound(request: SimRequest): SimResponse {
  return graphError(request, 404, 'ResourceNotFound', 'The object was not found.');
}
