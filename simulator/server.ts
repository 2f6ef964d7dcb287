import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { AccessTokenAuthority } from './identity/accessTokens';
import { DEFAULT_GRANTED_PERMISSIONS, type ClientApplication } from './identity/clientApplication';
import { CONTROL_PREFIX, registerControlRoutes, type SimulatorControl } from './control/control';
import { registerTrafficControlRoutes } from './control/controlTraffic';
import { DeltaTokenCodec, deriveDeltaTokenKey } from './graph/deltaToken';
import { DEFAULT_DELTA_TOKEN_MAX_AGE_SECONDS, DeltaTokenLifecycle } from './graph/deltaTokenLifecycle';
import { FaultInjector, faultRetryAfterHeaders, type ActiveFault, type FaultSpec } from './traffic/faults';
import { createGeneratedTenantStore } from './generate/generator';
import type { DeltaQuerySettings } from './graph/deltaQuery';
import { registerGraphRoutes } from './graph/graphRoutes';
import { defaultGraphErrorFor, graphError } from './graph/graphResponses';
import { Router } from './http/router';
import type { SimRequest, SimResponse } from './http/simRequest';
import { registerIdentityRoutes } from './identity/identity';
import { MANAGED_IDENTITY_PATH, registerManagedIdentityRoute } from './identity/managedIdentity';
import { AADSTS, aadError } from './identity/identityErrors';
import { PublicOrigin } from './http/publicOrigin';
import { createRandom, hashSeed } from './generate/random';
import { RequestLog } from './http/requestLog';
import { routeToTenant, TENANT_CONTROL_PREFIX } from './http/tenantRouting';
import type { TenantStore } from './tenant/tenantStore';
import { SimulatorClock } from './tenant/simulatorClock';
import { ensureSelfSignedCertificate } from './tls';
import { isBatchEnvelope, isGraphPath } from './traffic/graphPath';
import { LatencyModel, type LatencyOptions } from './traffic/latency';
import { deliver, type BodyDelivery } from './traffic/responseDelivery';
import { GraphThrottle, type ThrottleDecision, type ThrottlingOptions } from './traffic/throttle';
import { TrafficCounters } from './traffic/trafficCounters';
import { malformMembersDelta } from './traffic/malformedMembers';
import { ChangeNotificationService } from './notifications/changeNotifications';
import type { NotificationSettingsPatch } from './notifications/notificationSettings';
import { registerSubscriptionRoutes } from './graph/subscriptionRoutes';
import { registerNotificationControlRoutes } from './control/controlNotifications';

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Listen address; default 127.0.0.1 (then also ::1 when available, as "localhost" may resolve to it). */
  host?: string;
  /** Where the TLS certificate lives (created if missing). */
  tlsDir: string;
  seed?: number;
  users?: number;
  /** Delta page size chosen by the "service". Default 100. */
  pageSize?: number;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  tokenLifetimeSeconds?: number;
  /** Emit every delta object twice. */
  duplicates?: boolean;
  /** Consented application permissions (token roles). Default: what a full sync needs. */
  grantedPermissions?: string[];
  /** Delta tokens older than this answer syncStateNotFound. Default 7 days. */
  deltaTokenMaxAgeSeconds?: number;
  /** Most items per page of directoryAudits and signIns, whatever `$top` asks (the service's choice). Default 1000. */
  reportPageSize?: number;
  /** Resource-unit throttling of /v1.0 and /beta (docs/graph-behaviour.md, "Throttling"). On by default; `false` turns it off. */
  throttling?: ThrottlingOptions | boolean;
  /** Delay before answering, and slow bodies. None by default. */
  latency?: LatencyOptions;
  /** Seed of probability faults. Default: `seed`. */
  faultSeed?: number;
  /** Faults active from the first request. */
  faults?: FaultSpec[];
  /** Most requests the request log keeps (the oldest go first). Default 10,000. */
  requestLogCapacity?: number;
  /**
   * More tenants served beside the first (docs/graph-behaviour.md, "Many tenants"): each with its
   * own seed (so its own tenant id, app registration and secret), data, tokens, throttle and faults.
   */
  additionalTenants?: AdditionalTenant[];
  /** Change notifications (docs/graph-behaviour.md, "Change notifications"): latency, batching, faults, timeouts, lifetimes. */
  notifications?: NotificationSettingsPatch;
}

/** A further tenant of a multi-tenant simulator; everything not given is the first tenant's. */
export interface AdditionalTenant {
  /** Must differ from every other tenant's seed: it derives the tenant id and the app. */
  seed: number;
  users?: number;
}

/** What a connector needs to talk to this simulator. */
export interface SimulatorConfig {
  /** https://localhost:PORT/v1.0 */
  graphBaseUrl: string;
  /** https://localhost:PORT: pass as @azure/identity authorityHost. */
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The certificate to trust (NODE_EXTRA_CA_CERTS). */
  caCertPath: string;
  /**
   * A host's managed identity endpoint for the app (App Service's shape): IDENTITY_ENDPOINT and
   * IDENTITY_HEADER. `systemAssigned`: whether the host has a system-assigned identity (the app
   * stands in for it too); on by default, a test may turn it off.
   */
  managedIdentity: { endpoint: string; header: string; systemAssigned: boolean };
}

/** One served tenant: what its control API drives, in-process, plus its traffic shaping. */
export interface SimulatedTenant extends Omit<SimulatorControl, 'config'> {
  config: SimulatorConfig;
  /** Resource-unit throttling; `throttle.charge(request)` also serves `$batch` sub-requests. */
  throttle: GraphThrottle;
  latency: LatencyModel;
  /** Per-endpoint requests, statuses, resource units, 429s and faults. */
  counters: TrafficCounters;
  /** `$batch` sub-requests as they were routed (path with query, status), oldest first: what tests assert on. */
  subRequestLog: RequestLog;
  /** Subscriptions and the notifications the tenant's changes send to them. */
  notifications: ChangeNotificationService;
}

/** The server; its own fields are the first tenant's, so a single-tenant caller sees no difference. */
export interface RunningSimulator extends SimulatedTenant {
  port: number;
  /** Every tenant served, the first one first. */
  tenants: SimulatedTenant[];
  close(): Promise<void>;
}

const DEFAULT_SEED = 1;
const DEFAULT_USERS = 250;
const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const certificate = await ensureSelfSignedCertificate(options.tlsDir);
  const origin = new PublicOrigin();
  const first = assembleTenant(options, certificate, origin);
  const others = (options.additionalTenants ?? []).map((extra) =>
    assembleTenant(
      { ...options, seed: extra.seed, users: extra.users ?? options.users, faults: [], faultSeed: extra.seed, tenantId: undefined, clientId: undefined, clientSecret: undefined },
      certificate,
      origin,
    ),
  );
  const assembled = [first, ...others];
  const tenantIds = new Set(assembled.map((t) => t.tenant.config.tenantId));
  if (tenantIds.size !== assembled.length) throw new Error('simulator: two tenants share a tenant id; give every additional tenant its own seed');

  const listener = createRequestListener(tenantSelector(assembled));
  const tls = { cert: certificate.cert, key: certificate.key };
  const primary = https.createServer(tls, listener);
  const host = options.host ?? '127.0.0.1';
  await listen(primary, options.port ?? 0, host);
  const port = (primary.address() as { port: number }).port;
  const servers = [primary];
  if (host === '127.0.0.1') {
    // Best effort: some systems resolve "localhost" to ::1 first.
    const secondary = https.createServer(tls, listener);
    if (await listen(secondary, port, '::1').then(() => true, () => false)) servers.push(secondary);
  }

  origin.set(port);
  for (const { tenant } of assembled) {
    tenant.config.authorityHost = origin.url;
    tenant.config.graphBaseUrl = `${origin.url}/v1.0`;
    tenant.config.managedIdentity.endpoint = `${origin.url}${MANAGED_IDENTITY_PATH}`;
  }

  return {
    ...first.tenant,
    port,
    tenants: assembled.map((t) => t.tenant),
    close: () => {
      for (const { tenant } of assembled) tenant.notifications.close();
      return Promise.all(servers.map(closeServer)).then(() => undefined);
    },
  };
}

interface AssembledTenant {
  tenant: SimulatedTenant;
  listener: ListenerDependencies;
  /** Lower-cased tenant id and initial domain: what a token URL may name. */
  names: string[];
}

/** One tenant's data, identity, Graph and control routes, throttle, faults and logs, on a shared origin. */
function assembleTenant(options: SimulatorOptions, certificate: { certPath: string; cert: string }, origin: PublicOrigin): AssembledTenant {
  const caCertPath = certificate.certPath;
  const seed = options.seed ?? DEFAULT_SEED;
  const { store: tenant, tenant: generated } = createGeneratedTenantStore({
    seed,
    users: options.users ?? DEFAULT_USERS,
    ...(options.tenantId ? { tenantId: options.tenantId } : {}),
  });
  const tenantId = tenant.tenantId;

  const application: ClientApplication = {
    clientId: (options.clientId ?? generated.application.clientId).toLowerCase(),
    clientSecret: options.clientSecret ?? generated.application.clientSecret,
    displayName: generated.application.displayName,
    servicePrincipalId: createRandom(hashSeed(seed, 'service-principal')).guid(),
    grantedPermissions: [...(options.grantedPermissions ?? DEFAULT_GRANTED_PERMISSIONS)],
  };
  const accessTokens = new AccessTokenAuthority(
    tenantId,
    seed,
    options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
  );
  const deltaTokens = new DeltaTokenLifecycle(options.deltaTokenMaxAgeSeconds ?? DEFAULT_DELTA_TOKEN_MAX_AGE_SECONDS);
  const clock = new SimulatorClock();
  const deltaSettings: DeltaQuerySettings = {
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
    duplicates: options.duplicates ?? false,
  };
  const requestLog = new RequestLog(options.requestLogCapacity);
  const subRequestLog = new RequestLog(options.requestLogCapacity);
  const faults = new FaultInjector(options.faultSeed ?? seed);
  for (const spec of options.faults ?? []) faults.add(spec);
  const counters = new TrafficCounters();
  const throttle = new GraphThrottle(
    typeof options.throttling === 'boolean' ? { enabled: options.throttling } : (options.throttling ?? {}),
    { userCount: activeUserCounter(tenant), onCharge: (event) => counters.recordCharge(event) },
  );
  const latency = new LatencyModel(options.latency ?? {}, seed);
  const notifications = new ChangeNotificationService({ tenant, clock, seed, grantedPermissions: () => application.grantedPermissions, certificate: certificate.cert, ...(options.notifications ? { settings: options.notifications } : {}) });
  const config: SimulatorConfig = {
    graphBaseUrl: '',
    authorityHost: '',
    tenantId,
    clientId: application.clientId,
    clientSecret: application.clientSecret,
    caCertPath,
    managedIdentity: { endpoint: '', header: createRandom(hashSeed(seed, 'identity-header')).guid(), systemAssigned: true },
  };

  const router = new Router();
  // First, so that its /_sim/faults (the extended fault spec) answers before the general control routes.
  registerTrafficControlRoutes(router, { throttle, latency, faults, counters });
  registerIdentityRoutes(router, { tenant: tenant.identity, application, authority: accessTokens, origin, now: () => new Date(), clock });
  registerManagedIdentityRoute(router, { application, authority: accessTokens, identityHeader: config.managedIdentity.header, host: config.managedIdentity, now: () => new Date() });
  registerGraphRoutes(router, {
    tenant,
    codec: new DeltaTokenCodec(deriveDeltaTokenKey(tenantId, seed)),
    lifecycle: deltaTokens,
    origin,
    settings: deltaSettings,
    // Delta tokens are minted and aged by the tenant's clock (docs/graph-behaviour.md, "Delta token lifetime").
    now: () => clock.nowMs(),
    authority: accessTokens,
    ...(options.reportPageSize ? { reportPageSize: options.reportPageSize } : {}),
    // $batch: every sub-request is faulted, throttled and counted on its own.
    faults,
    chargeSubRequest: (subRequest) => throttle.charge(subRequest),
    afterSubRequest: (subRequest, response) => {
      counters.recordSubResponse({ method: subRequest.method, pathname: subRequest.url.pathname, status: response.status });
      subRequestLog.record({
        time: subRequest.receivedAt.toISOString(),
        method: subRequest.method,
        path: `${subRequest.url.pathname}${subRequest.url.search}`,
        status: response.status,
        durationMs: 0,
        requestId: subRequest.requestId,
        clientRequestId: subRequest.clientRequestId,
      });
    },
  });
  registerSubscriptionRoutes(router, {
    service: notifications,
    authority: accessTokens,
    origin,
    application: { clientId: application.clientId, servicePrincipalId: application.servicePrincipalId },
  });
  registerNotificationControlRoutes(router, CONTROL_PREFIX, notifications);
  registerControlRoutes(router, {
    config: config as unknown as Record<string, unknown>,
    tenant,
    application,
    requestLog,
    faults,
    deltaTokens,
    deltaSettings,
    accessTokens,
    clock,
  });

  return {
    tenant: { config, tenant, application, requestLog, faults, deltaTokens, deltaSettings, accessTokens, clock, throttle, latency, counters, subRequestLog, notifications },
    listener: { router, origin, faults, requestLog, throttle, latency, counters },
    names: [tenantId.toLowerCase(), tenant.identity.domain.toLowerCase()],
  };
}

type TenantSelector = (incoming: IncomingMessage) => { deps: ListenerDependencies; path?: string };

/** Picks the tenant of each request (simulator/http/tenantRouting.ts); the first tenant also lists them all. */
function tenantSelector(assembled: AssembledTenant[]): TenantSelector {
  const names = assembled.map((t) => t.names);
  const first = assembled[0] as AssembledTenant;
  first.listener.router.add('GET', TENANT_CONTROL_PREFIX, () => ({
    status: 200,
    headers: { 'content-type': 'application/json' },
    json: { value: assembled.map((t) => t.tenant.config) },
  }));
  return (incoming) => {
    const route = routeToTenant(incoming.url ?? '/', headerValue(incoming.headers.authorization), names);
    const target = assembled[route.index] ?? first;
    return { deps: target.listener, ...(route.path !== undefined ? { path: route.path } : {}) };
  };
}

interface ListenerDependencies {
  router: Router;
  origin: PublicOrigin;
  faults: FaultInjector;
  requestLog: RequestLog;
  throttle: GraphThrottle;
  latency: LatencyModel;
  counters: TrafficCounters;
}

function createRequestListener(select: TenantSelector) {
  return (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    const target = select(incoming);
    // The tenant-addressed control API (/_sim/tenants/{id}/...) is that tenant's /_sim/...
    if (target.path !== undefined) incoming.url = target.path;
    void serve(target.deps, incoming, outgoing).catch((error: unknown) => {
      // Last resort: the socket may already be half-written; just make sure it ends.
      console.error('simulator: failed to answer a request', error);
      if (outgoing.headersSent) return void outgoing.destroy();
      outgoing.writeHead(500);
      outgoing.end();
    });
  };
}

async function serve(deps: ListenerDependencies, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  const started = performance.now();
  const requestId = randomUUID();
  const url = new URL(incoming.url ?? '/', deps.origin.url);
  // Graph clients send a client-request-id header; MSAL puts it in the token URL's query.
  const clientRequestId =
    headerValue(incoming.headers['client-request-id']) ??
    url.searchParams.get('client-request-id') ??
    headerValue(incoming.headers['x-ms-client-request-id']) ??
    requestId;
  const request: SimRequest = {
    method: (incoming.method ?? 'GET').toUpperCase(),
    url,
    headers: Object.fromEntries(Object.entries(incoming.headers).map(([name, value]) => [name, headerValue(value)])),
    body: '',
    requestId,
    clientRequestId,
    receivedAt: new Date(),
  };
  const pathname = request.url.pathname;
  const isControl = pathname.toLowerCase().startsWith(CONTROL_PREFIX);
  const isGraph = isGraphPath(pathname);

  let response: SimResponse;
  let fault: ActiveFault | undefined;
  let charge: ThrottleDecision | undefined;
  const body = await readBody(incoming);
  if (body === undefined) {
    response = graphError(request, 413, 'Request_EntityTooLarge', 'The request body is too large.');
  } else {
    request.body = body;
    fault = isControl ? undefined : deps.faults.intercept(request);
    if (fault?.kind === 'hold') await deps.faults.released(fault.id);
    if (fault?.kind === 'status') {
      response = faultResponse(request, fault, deps.origin);
    } else if (fault?.kind === 'expiredPageToken') {
      response = expiredPageToken(request);
    } else if (fault?.kind === 'connectionReset' && !fault.afterHeaders) {
      // The connection dies before the request reaches the service: nothing is served or charged.
      response = { status: 0 };
    } else if (isGraph && !isBatchEnvelope(pathname)) {
      charge = deps.throttle.charge(request);
      response = charge.allowed ? withHeaders(await dispatch(deps, request), charge.headers) : charge.response;
      if (fault?.kind === 'malformedMembersDelta') response = malformMembersDelta(response, fault.malformation ?? 'notArray', fault.collection ?? 'members');
    } else {
      response = await dispatch(deps, request);
    }
  }

  // Whole milliseconds: what timers can actually wait.
  const latencyMs = !isControl && deps.latency.appliesTo(isGraph) ? Math.round(deps.latency.sample()) : 0;
  if (latencyMs > 0) await sleep(latencyMs);

  const headers: Record<string, string> = {
    'request-id': requestId,
    'client-request-id': clientRequestId,
    'x-ms-request-id': requestId,
    'strict-transport-security': 'max-age=31536000',
    ...response.headers,
  };
  const payload = response.text ?? (response.json === undefined ? '' : JSON.stringify(response.json));
  const delivery = bodyDelivery(fault, isControl || !deps.latency.appliesTo(isGraph) ? null : deps.latency.slowBody);
  const outcome = await deliver(outgoing, response.status, headers, payload, delivery);
  if (isControl) return;

  const status = delivery.kind === 'resetBeforeHeaders' ? 0 : response.status;
  deps.counters.recordResponse({ method: request.method, pathname, status, faulted: fault !== undefined });
  deps.requestLog.record({
    time: request.receivedAt.toISOString(),
    method: request.method,
    path: `${pathname}${request.url.search}`,
    status,
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    requestId,
    clientRequestId,
    ...(fault ? { faultId: fault.id, faultKind: fault.kind } : {}),
    ...(charge ? { resourceUnits: charge.ru } : {}),
    ...(charge && !charge.allowed ? { throttled: true } : {}),
    ...(headers['retry-after'] !== undefined ? { retryAfter: headers['retry-after'] } : {}),
    ...(latencyMs > 0 ? { latencyMs } : {}),
    ...(outcome === 'dropped' ? { dropped: true } : {}),
  });
}

/** How the response body goes out: as a fault disturbs it, else slowly when latency says so. */
function bodyDelivery(fault: ActiveFault | undefined, slowBody: { chunkBytes: number; chunkDelayMs: number } | null): BodyDelivery {
  switch (fault?.kind) {
    case 'connectionReset':
      return fault.afterHeaders ? { kind: 'resetAfterHeaders', fraction: fault.bodyFraction ?? 0.5 } : { kind: 'resetBeforeHeaders' };
    case 'truncatedJson':
      return { kind: 'truncated', fraction: fault.bodyFraction ?? 0.5 };
    case 'malformedJson':
      return { kind: 'malformed' };
    case 'slowBody':
      return { kind: 'slow', chunkBytes: fault.chunkBytes ?? 64, chunkDelayMs: fault.chunkDelayMs ?? 50 };
    default:
      return slowBody ? { kind: 'slow', ...slowBody } : { kind: 'whole' };
  }
}

function withHeaders(response: SimResponse, headers: Record<string, string>): SimResponse {
  return { ...response, headers: { ...response.headers, ...headers } };
}

async function dispatch(deps: ListenerDependencies, request: SimRequest): Promise<SimResponse> {
  const match = deps.router.match(request.method, request.url.pathname);
  try {
    if (match.kind === 'found') return await match.handler(request, match.params);
  } catch (error) {
    console.error('simulator: handler failed', error);
    return graphError(request, 500, 'generalException', 'General exception while processing.');
  }
  if (match.kind === 'methodNotAllowed') {
    return graphError(request, 405, 'Request_BadRequest', `The HTTP method '${request.method}' is not allowed for this resource.`, {
      allow: match.allowed.join(', '),
    });
  }
  if (/^\/(v1\.0|beta)(\/|$)/i.test(request.url.pathname)) {
    const segment = request.url.pathname.split('/').filter(Boolean).slice(1).join('/') || '/';
    return graphError(request, 400, 'BadRequest', `Resource not found for the segment '${segment}'. (Not simulated.)`);
  }
  return { status: 404, headers: { 'content-type': 'application/json' }, json: { error: { code: 'NotFound', message: 'No such endpoint in the simulator.' } } };
}

/** Scripted faults speak the dialect of the endpoint they hit. */
function faultResponse(request: SimRequest, fault: ActiveFault, origin: PublicOrigin): SimResponse {
  const status = fault.status ?? 500;
  const headers = faultRetryAfterHeaders(fault);
  if (/\/oauth2\//i.test(request.url.pathname)) {
    const response = aadError(request, AADSTS.temporarilyUnavailable, fault.message ?? 'The service is temporarily unavailable.', origin.url, status);
    return { ...response, headers: { ...response.headers, ...headers } };
  }
  const defaults = defaultGraphErrorFor(status);
  return graphError(request, status, fault.code ?? defaults.code, fault.message ?? defaults.message, headers);
}

/** Graph's answer to a `$skiptoken` kept too long: the page link cannot be used again. */
function expiredPageToken(request: SimRequest): SimResponse {
  return graphError(request, 400, 'Directory_ExpiredPageToken', 'The specified page token value has expired and can no longer be included in your request.');
}

/** Active users for the throttle's size tier, recounted only after the tenant changed: it is asked on every Graph request. */
function activeUserCounter(tenant: TenantStore): () => number {
  let countedAt = Number.NaN;
  let count = 0;
  return () => {
    if (tenant.currentSeq !== countedAt) {
      countedAt = tenant.currentSeq;
      count = 0;
      for (const _user of tenant.users.activeRecords()) count++;
    }
    return count;
  };
}

async function readBody(incoming: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function listen(server: https.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Stops accepting and drops idle keep-alive sockets at once, so tests never hang on close. */
function closeServer(server: https.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
    server.closeAllConnections();
  });
}
