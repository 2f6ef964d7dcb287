import path from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { FaultInjector } from '../simulator/traffic/faults';
import type { SimRequest } from '../simulator/http/simRequest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../simulator/server';
import { endpointPattern } from '../simulator/traffic/endpointPattern';
import { LatencyModel } from '../simulator/traffic/latency';
import { malformJson } from '../simulator/traffic/responseDelivery';
import { resourceUnitCost } from '../simulator/traffic/resourceUnitCost';
import { retryAfterHeader } from '../simulator/traffic/retryAfter';
import { tenantSizeTier } from '../simulator/traffic/throttle';
import type { TrafficCountersSnapshot } from '../simulator/traffic/trafficCounters';

// The test process trusts this certificate through NODE_EXTRA_CA_CERTS (vitest.config.ts).
const TLS_DIR = path.resolve('.entra-sync/test/tls');
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

function start(options: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
  return startSimulator({ tlsDir: TLS_DIR, seed: 42, users: 30, ...options });
}

/** A Graph client exactly as the connector builds one, pointed at the simulator. */
function graphClientFor(sim: RunningSimulator): Client {
  const credential = new ClientSecretCredential(sim.config.tenantId, sim.config.clientId, sim.config.clientSecret, {
    authorityHost: sim.config.authorityHost,
    disableInstanceDiscovery: true,
  });
  return Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] }),
    baseUrl: `${sim.config.authorityHost}/`,
    customHosts: new Set(['localhost']),
  });
}

/** Raw Graph GET with an app token, bypassing the client's retries. */
function graphGet(sim: RunningSimulator, route: string, token = sim.accessTokens.issue(sim.application).token): Promise<Response> {
  return fetch(`${sim.config.graphBaseUrl}${route}`, { headers: { authorization: `Bearer ${token}` } });
}

function control(sim: RunningSimulator, method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`${sim.config.authorityHost}/_sim${route}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

/** A manual clock for the throttle: time moves only when the test says so. */
function manualClock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const url = (pathAndQuery: string) => new URL(pathAndQuery, 'https://localhost');

describe('resource-unit costs', () => {
  it('follows the documented base costs and query modifiers', () => {
    const cost = (pathAndQuery: string, method = 'GET') => resourceUnitCost(method, url(pathAndQuery));
    expect(cost('/v1.0/users')).toBe(2);
    expect(cost('/v1.0/users/delta')).toBe(2);
    expect(cost('/v1.0/users/delta?$select=displayName')).toBe(1);
    expect(cost('/v1.0/applications')).toBe(2);
    expect(cost('/v1.0/applications/delta?$select=id,appId')).toBe(1);
    expect(cost('/v1.0/groups/0b2c/members')).toBe(3);
    expect(cost('/v1.0/groups/0b2c/transitiveMembers')).toBe(5);
    expect(cost('/v1.0/groups/0b2c/transitiveMembers?$select=id&$top=10')).toBe(3);
    expect(cost('/v1.0/oauth2PermissionGrants')).toBe(2);
    expect(cost('/v1.0/servicePrincipals/9f1a/appRoleAssignments')).toBe(2);
    expect(cost('/v1.0/servicePrincipals/9f1a/owners')).toBe(1);
    expect(cost('/v1.0/servicePrincipals?$expand=owners')).toBe(2);
    expect(cost('/v1.0/users?$top=999')).toBe(2);
    expect(cost('/v1.0/users?$top=19')).toBe(1);
    // Never below 1.
    expect(cost('/v1.0/servicePrincipals/9f1a/owners?$select=id&$top=5')).toBe(1);
    // $batch sub-request urls are relative to the version root.
    expect(cost('/groups/0b2c/members?$top=5')).toBe(2);
    expect(cost('/v1.0/users/0b2c')).toBe(1);
    expect(cost('/v1.0/directoryObjects/getByIds', 'POST')).toBe(3);
  });

  it('picks the app + tenant limit by tenant size', () => {
    expect(tenantSizeTier(0)).toEqual({ size: 'S', limit: 3500 });
    expect(tenantSizeTier(49)).toEqual({ size: 'S', limit: 3500 });
    expect(tenantSizeTier(50)).toEqual({ size: 'M', limit: 5000 });
    expect(tenantSizeTier(500)).toEqual({ size: 'M', limit: 5000 });
    expect(tenantSizeTier(501)).toEqual({ size: 'L', limit: 8000 });
  });

  it('spells Retry-After as configured', () => {
    expect(retryAfterHeader('seconds', 1234)).toEqual({ 'retry-after': '2' });
    expect(retryAfterHeader('seconds', 10)).toEqual({ 'retry-after': '1' });
    expect(retryAfterHeader('fractional', 1234)).toEqual({ 'retry-after': '1.234' });
    expect(retryAfterHeader('httpDate', 1500, Date.UTC(2026, 0, 2, 3, 4, 5, 600))).toEqual({ 'retry-after': 'Fri, 02 Jan 2026 03:04:08 GMT' });
    expect(retryAfterHeader('omitted', 1234)).toEqual({});
  });

  it('normalises ids out of endpoint paths', () => {
    expect(endpointPattern('/v1.0/servicePrincipals/3f2c0d6e-1111-4222-8333-444455556666/owners')).toBe('/v1.0/servicePrincipals/{id}/owners');
    expect(endpointPattern('/v1.0/users/delta')).toBe('/v1.0/users/delta');
    expect(endpointPattern('/v1.0/users/someone@contoso.com')).toBe('/v1.0/users/{id}');
    expect(endpointPattern('/v1.0/groups/g-17/members/$ref')).toBe('/v1.0/groups/{id}/members/$ref');
    expect(endpointPattern('/0a1b2c3d-1111-4222-8333-444455556666/oauth2/v2.0/token')).toBe('/{tenant}/oauth2/v2.0/token');
  });
});

describe('throttling', () => {
  const clock = manualClock();
  let sim: RunningSimulator;
  let token: string;
  beforeAll(async () => {
    sim = await start({ users: 30, throttling: { fixedLimit: 10, clock: clock.now } });
    token = sim.accessTokens.issue(sim.application).token;
  });
  beforeEach(() => {
    sim.throttle.reset();
    sim.throttle.update({ fixedLimit: 10, limitMultiplier: 1, retryAfterFormat: 'seconds', enabled: true });
  });
  afterAll(() => sim.close());

  it('answers 429 TooManyRequests with Retry-After and throttle headers once the bucket is empty', async () => {
    const admitted: Response[] = [];
    for (let i = 0; i < 5; i++) admitted.push(await graphGet(sim, '/users/delta', token));
    expect(admitted.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(admitted.map((response) => response.headers.get('x-ms-resource-unit'))).toEqual(['2', '2', '2', '2', '2']);
    // Reported from 80% of the limit on.
    expect(admitted.map((response) => response.headers.get('x-ms-throttle-limit-percentage'))).toEqual([null, null, null, '0.8', '1']);

    const throttled = await graphGet(sim, '/users/delta', token);
    expect(throttled.status).toBe(429);
    // Usage counts while throttled: 12 of 10 RU used; admitted again once 4 RU drained (4 s).
    expect(throttled.headers.get('retry-after')).toBe('4');
    expect(throttled.headers.get('x-ms-throttle-scope')).toBe(`Tenant_Application/ReadWrite/${sim.config.clientId}/${sim.config.tenantId}`);
    expect(throttled.headers.get('x-ms-throttle-information')).toBe('ResourceUnitLimitExceeded');
    expect(throttled.headers.get('x-ms-resource-unit')).toBe('2');
    expect(throttled.headers.get('x-ms-throttle-limit-percentage')).toBe('1.2');
    expect(throttled.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await throttled.json()) as { error: { code: string; message: string; innerError: Record<string, string> } };
    expect(body.error.code).toBe('TooManyRequests');
    expect(body.error.message).toBe('Please retry again later.');
    expect(Object.keys(body.error.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
  });

  it('refills over time, and counts requests made while throttled', async () => {
    for (let i = 0; i < 5; i++) expect((await graphGet(sim, '/users/delta', token)).status).toBe(200);
    expect((await graphGet(sim, '/users/delta', token)).headers.get('retry-after')).toBe('4');
    // Ignoring Retry-After costs: the next try is throttled and pushes recovery further out.
    const impatient = await graphGet(sim, '/users/delta', token);
    expect(impatient.status).toBe(429);
    expect(impatient.headers.get('retry-after')).toBe('6');

    clock.advance(5_999);
    expect((await graphGet(sim, '/users/delta', token)).status).toBe(429);
    sim.throttle.reset();
    for (let i = 0; i < 5; i++) await graphGet(sim, '/users/delta', token);
    expect((await graphGet(sim, '/users/delta', token)).status).toBe(429);
    clock.advance(4_000);
    expect((await graphGet(sim, '/users/delta', token)).status).toBe(200);
    // A full window later the whole limit is back.
    clock.advance(10_000);
    const again: number[] = [];
    for (let i = 0; i < 6; i++) again.push((await graphGet(sim, '/users/delta?$select=displayName', token)).status);
    expect(again).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('keeps the reports limit apart: 5 requests per 10 s, no resource units', async () => {
    for (let i = 0; i < 6; i++) await graphGet(sim, '/users/delta', token);
    expect((await graphGet(sim, '/users/delta', token)).status).toBe(429);

    const reports: Response[] = [];
    for (let i = 0; i < 6; i++) reports.push(await graphGet(sim, `/auditLogs/${i % 2 ? 'signIns' : 'directoryAudits'}`, token));
    expect(reports.slice(0, 5).map((response) => response.status)).not.toContain(429);
    const sixth = reports[5] as Response;
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get('retry-after')).toBe('4');
    expect(sixth.headers.get('x-ms-throttle-information')).toBe('RequestLimitExceeded');

    clock.advance(4_000);
    expect((await graphGet(sim, '/auditLogs/directoryAudits', token)).status).not.toBe(429);
  });

  it('keeps 5 report requests per window when tests shorten the window with their report pace', async () => {
    // Tests not about pacing run the reports window and the workers' spacing at the same fraction.
    sim.throttle.update({ reportsWindowMs: 2_000 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await graphGet(sim, `/auditLogs/${i % 2 ? 'signIns' : 'directoryAudits'}`, token)).status);
      expect(statuses.slice(0, 5)).not.toContain(429);
      expect(statuses[5]).toBe(429);
      // The 10 s window's 4 s wait, at a fifth: still throttled just before, admitted at it.
      clock.advance(799);
      expect((await graphGet(sim, '/auditLogs/directoryAudits', token)).status).toBe(429);
      sim.throttle.reset();
      for (let i = 0; i < 6; i++) await graphGet(sim, '/auditLogs/signIns', token);
      clock.advance(800);
      expect((await graphGet(sim, '/auditLogs/directoryAudits', token)).status).not.toBe(429);
      expect((await control(sim, 'GET', '/throttling').then((r) => r.json())) as unknown).toMatchObject({ settings: { reportsWindowMs: 2_000 } });
    } finally {
      sim.throttle.update({ reportsWindowMs: 10_000 });
    }
  });

  it('scales the tier with the multiplier and follows the tenant size', async () => {
    sim.throttle.update({ fixedLimit: null, limitMultiplier: 0.01 });
    expect(sim.throttle.limits()).toMatchObject({ tenantSize: 'S', tenantApplication: 35, application: 1500 });
    const statuses: number[] = [];
    for (let i = 0; i < 18; i++) statuses.push((await graphGet(sim, '/users/delta', token)).status);
    expect(statuses.indexOf(429)).toBe(17);

    const added = Array.from({ length: 20 }, (_, i) => sim.tenant.createUser({ displayName: `Tier Filler ${i}` }));
    expect(sim.throttle.limits()).toMatchObject({ tenantSize: 'M', tenantApplication: 50 });
    for (const user of added) sim.tenant.hardDeleteUser(user.id);
    sim.throttle.update({ limitMultiplier: 1 });
    const state = (await (await control(sim, 'GET', '/throttling')).json()) as { limits: Record<string, unknown> };
    expect(state.limits).toMatchObject({ tenantSize: 'S', tenantApplication: 3500, application: 150000, reports: 5 });
  });

  it('puts x-ms-resource-unit on every Graph response, and never throttles the identity platform', async () => {
    const unauthenticated = await fetch(`${sim.config.graphBaseUrl}/users/delta`);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('x-ms-resource-unit')).toBe('2');
    const notSimulated = await graphGet(sim, '/groups/0b2c/transitiveMembers?$select=id', token);
    expect(notSimulated.headers.get('x-ms-resource-unit')).toBe('4');

    sim.throttle.update({ fixedLimit: 1 });
    await graphGet(sim, '/users/delta', token);
    expect((await graphGet(sim, '/users/delta', token)).status).toBe(429);
    const tokenResponse = await fetch(`${sim.config.authorityHost}/${sim.config.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: sim.config.clientId, client_secret: sim.config.clientSecret, scope: GRAPH_SCOPE, grant_type: 'client_credentials' }),
    });
    expect(tokenResponse.status).toBe(200);
    expect(tokenResponse.headers.get('x-ms-resource-unit')).toBeNull();
  });

  it('can be switched off, and changed through the control API', async () => {
    sim.throttle.update({ enabled: false, fixedLimit: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await graphGet(sim, '/users/delta', token)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);

    const patched = await control(sim, 'PATCH', '/throttling', { enabled: true, fixedLimit: 4, retryAfterFormat: 'fractional', resetUsage: true });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { settings: unknown }).settings).toMatchObject({ enabled: true, fixedLimit: 4, retryAfterFormat: 'fractional' });
    await graphGet(sim, '/users/delta', token);
    await graphGet(sim, '/users/delta', token);
    const throttled = await graphGet(sim, '/users/delta', token);
    // 6 of 4 RU used: 4 RU must drain at 0.4 RU/s.
    expect(throttled.headers.get('retry-after')).toBe('10');
    clock.advance(1_000);
    // 7.6 of 4 RU, capped at 1.8 x the limit (7.2): 5.2 RU to drain.
    expect((await graphGet(sim, '/users/delta', token)).headers.get('retry-after')).toBe('13');

    await control(sim, 'PATCH', '/throttling', { retryAfterFormat: 'httpDate' });
    expect((await graphGet(sim, '/users/delta', token)).headers.get('retry-after')).toMatch(/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
    await control(sim, 'PATCH', '/throttling', { retryAfterFormat: 'omitted' });
    expect((await graphGet(sim, '/users/delta', token)).headers.has('retry-after')).toBe(false);
    expect((await control(sim, 'PATCH', '/throttling', { limitMultiplier: 0 })).status).toBe(400);
    expect((await control(sim, 'DELETE', '/throttling/usage')).status).toBe(204);
    expect((await graphGet(sim, '/users/delta', token)).status).toBe(200);
  });

  it('charges $batch sub-requests one by one through throttle.charge', () => {
    sim.throttle.update({ fixedLimit: 4 });
    sim.counters.reset();
    const subRequest = (relativeUrl: string): SimRequest => ({
      method: 'GET',
      url: new URL(relativeUrl, 'https://localhost'),
      headers: { authorization: `Bearer ${token}` },
      body: '',
      requestId: '00000000-0000-4000-8000-000000000001',
      clientRequestId: '00000000-0000-4000-8000-000000000002',
      receivedAt: new Date(),
    });
    const first = sim.throttle.charge(subRequest('/users?$top=5'));
    expect(first).toEqual({ allowed: true, ru: 1, headers: { 'x-ms-resource-unit': '1' } });
    const second = sim.throttle.charge(subRequest('/groups/0b2c/members'));
    expect(second.allowed).toBe(true);
    const third = sim.throttle.charge(subRequest('/users'));
    expect(third.allowed).toBe(false);
    if (third.allowed) return;
    expect(third.response.status).toBe(429);
    expect(third.response.headers?.['retry-after']).toBeDefined();
    expect(third.response.json).toMatchObject({ error: { code: 'TooManyRequests' } });

    const counters = sim.counters.snapshot();
    expect(counters.endpoints['GET /v1.0/users']).toMatchObject({ requests: 0, resourceUnits: 3, throttled: 1 });
    expect(counters.endpoints['GET /v1.0/groups/{id}/members']).toMatchObject({ resourceUnits: 3 });
  });

  it('throttles $batch sub-requests on their own: a 429 sub-response inside a 200 batch', async () => {
    sim.throttle.update({ fixedLimit: 2 });
    sim.counters.reset();
    const response = await fetch(`${sim.config.graphBaseUrl}/$batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: [
          { id: 'a', method: 'GET', url: '/users/delta' },
          { id: 'b', method: 'GET', url: '/users/delta' },
        ],
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ms-resource-unit')).toBeNull();
    const { responses } = (await response.json()) as { responses: Array<{ id: string; status: number; headers: Record<string, string> }> };
    const byId = new Map(responses.map((entry) => [entry.id, entry]));
    expect(byId.get('a')).toMatchObject({ status: 200, headers: { 'x-ms-resource-unit': '2' } });
    // 3.6 of 2 RU used (capped at 1.8 x the limit), draining at 0.2 RU/s.
    expect(byId.get('b')).toMatchObject({ status: 429, headers: { 'Retry-After': '18', 'x-ms-throttle-information': 'ResourceUnitLimitExceeded' } });

    const counters = sim.counters.snapshot();
    expect(counters.endpoints['GET /v1.0/users/delta']).toMatchObject({ requests: 0, subRequests: 2, statuses: { 200: 1, 429: 1 }, resourceUnits: 4, throttled: 1 });
    expect(counters.endpoints['POST /v1.0/$batch']).toMatchObject({ requests: 1, resourceUnits: 0 });
  });
});

describe('throttling through the Graph client', () => {
  it('is retried by the client after Retry-After, and then served', async () => {
    const sim = await start({ throttling: { fixedLimit: 100, retryAfterFormat: 'fractional' } });
    try {
      const client = graphClientFor(sim);
      await client.api('/users/delta').get(); // gets the token first
      const token = sim.accessTokens.issue(sim.application).token;
      await Promise.all(Array.from({ length: 55 }, () => graphGet(sim, '/users/delta', token)));
      sim.requestLog.clear();
      const page = (await client.api('/users/delta').get()) as { value: unknown[] };
      expect(page.value.length).toBeGreaterThan(0);
      const [throttled, retried] = sim.requestLog.entries();
      expect([throttled?.status, retried?.status]).toEqual([429, 200]);
      expect(throttled?.throttled).toBe(true);
      // The client waited out the fractional Retry-After it was given before the retry
      // (request times are whole milliseconds, hence the 1 ms of slack).
      const retryAfterMs = Number(throttled!.retryAfter) * 1000;
      expect(throttled!.retryAfter).toMatch(/^\d+(\.\d+)?$/);
      expect(Date.parse(retried!.time) - Date.parse(throttled!.time)).toBeGreaterThanOrEqual(Math.floor(retryAfterMs) - 1);
    } finally {
      await sim.close();
    }
  });
});

describe('latency', () => {
  it('draws the same delays from the same seed', () => {
    const samples = (seed: number, distribution: ConstructorParameters<typeof LatencyModel>[0]['distribution']) => {
      const model = new LatencyModel({ distribution, seed }, 1);
      return Array.from({ length: 50 }, () => model.sample());
    };
    const uniform = { kind: 'uniform', minMs: 10, maxMs: 30 } as const;
    expect(samples(7, uniform)).toEqual(samples(7, uniform));
    expect(samples(8, uniform)).not.toEqual(samples(7, uniform));
    expect(samples(7, uniform).every((ms) => ms >= 10 && ms <= 30)).toBe(true);
    expect(samples(7, { kind: 'fixed', ms: 25 })).toEqual(Array(50).fill(25));
  });

  it('shapes the log-normal distribution by its median and p99', () => {
    const model = new LatencyModel({ distribution: { kind: 'logNormal', medianMs: 40, p99Ms: 400 }, seed: 3 }, 1);
    const sorted = Array.from({ length: 20_000 }, () => model.sample()).sort((a, b) => a - b);
    expect(sorted[10_000]).toBeGreaterThan(36);
    expect(sorted[10_000]).toBeLessThan(44);
    expect(sorted[19_800]).toBeGreaterThan(330);
    expect(sorted[19_800]).toBeLessThan(480);
  });

  it('delays Graph answers reproducibly, and can trickle bodies out slowly', async () => {
    const options = { latency: { distribution: { kind: 'uniform', minMs: 5, maxMs: 60 }, seed: 11 } } as const;
    const [a, b] = await Promise.all([start(options), start(options)]);
    try {
      for (const sim of [a, b]) {
        for (let i = 0; i < 5; i++) await graphGet(sim, '/users/delta?$select=id');
      }
      const delays = (sim: RunningSimulator) => sim.requestLog.entries().map((entry) => entry.latencyMs);
      expect(delays(a)).toHaveLength(5);
      expect(delays(a)).toEqual(delays(b));
      // Timers keep whole milliseconds, against the finer performance clock: allow 1 ms.
      expect(a.requestLog.entries().every((entry) => entry.durationMs >= (entry.latencyMs ?? 0) - 1)).toBe(true);

      a.latency.configure({ distribution: { kind: 'fixed', ms: 0 }, slowBody: { chunkBytes: 512, chunkDelayMs: 20 } });
      const started = performance.now();
      const response = await graphGet(a, '/users/delta');
      const page = (await response.json()) as { value: unknown[] };
      expect(page.value).toHaveLength(30);
      const chunks = Math.ceil(Number(response.headers.get('content-length')) / 512);
      expect(chunks).toBeGreaterThan(3);
      expect(performance.now() - started).toBeGreaterThanOrEqual((chunks - 1) * 20 - 5);

      const latency = (await (await control(a, 'PUT', '/latency', { distribution: { kind: 'fixed', ms: 120 }, slowBody: null })).json()) as Record<string, unknown>;
      expect(latency).toMatchObject({ distribution: { kind: 'fixed', ms: 120 }, scope: 'graph', slowBody: null });
      const timed = performance.now();
      await graphGet(a, '/users/delta?$select=id');
      expect(performance.now() - timed).toBeGreaterThanOrEqual(115);
      expect((await control(a, 'PUT', '/latency', { distribution: { kind: 'uniform', minMs: 9, maxMs: 1 } })).status).toBe(400);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('faults', () => {
  let sim: RunningSimulator;
  let client: Client;
  beforeAll(async () => {
    sim = await start({ users: 30, pageSize: 10 });
    client = graphClientFor(sim);
    await client.api('/users/delta').get(); // token cached: later faults only hit Graph
  });
  beforeEach(() => sim.faults.clear());
  afterAll(() => sim.close());

  it('resets the connection before the headers, seen by the Graph client as a failed fetch', async () => {
    sim.faults.add({ pathPrefix: '/v1.0/users/delta', kind: 'connectionReset' });
    sim.requestLog.clear();
    const error = await failure(client.api('/users/delta').get());
    // No response at all: the client wraps fetch's failure, without a status.
    expect(error).toMatchObject({ statusCode: -1, message: 'fetch failed' });
    expect(sim.requestLog.entries()).toMatchObject([{ status: 0, faultKind: 'connectionReset', dropped: true }]);
    // Only the one request: the next one is served.
    expect(((await client.api('/users/delta').get()) as { value: unknown[] }).value).toHaveLength(10);
  });

  it('resets the connection halfway through the body', async () => {
    sim.faults.add({ pathPrefix: '/v1.0/users/delta', kind: 'connectionReset', afterHeaders: true, bodyFraction: 0.3 });
    const error = await failure(client.api('/users/delta').get());
    // The 200 arrived, its body never completed.
    expect(error).toMatchObject({ statusCode: 200, message: 'terminated' });
  });

  it('truncates and malforms JSON bodies of otherwise successful answers', async () => {
    sim.faults.add({ pathPrefix: '/v1.0/users/delta', kind: 'truncatedJson' });
    const truncated = await failure(client.api('/users/delta').get());
    expect(truncated).toMatchObject({ statusCode: 200, message: expect.stringMatching(/JSON/) });

    sim.faults.add({ pathPrefix: '/v1.0/users/delta', kind: 'malformedJson' });
    const malformed = await failure(client.api('/users/delta').get());
    expect(malformed).toMatchObject({ statusCode: 200, message: expect.stringMatching(/JSON/) });
    expect(() => JSON.parse(malformJson('{"value":[]}'))).toThrow(SyntaxError);

    const raw = await graphGet(sim, '/users/delta');
    expect(raw.status).toBe(200);
  });

  it('fails by probability, reproducibly from the seed', () => {
    const pattern = (seed: number) => {
      const injector = new FaultInjector(seed);
      injector.add({ pathPrefix: '/v1.0/users', probability: 0.3, status: 503 });
      return Array.from({ length: 400 }, () => (injector.intercept({ method: 'GET', url: url('/v1.0/users/delta') }) ? 1 : 0)).join('');
    };
    expect(pattern(5)).toBe(pattern(5));
    expect(pattern(6)).not.toBe(pattern(5));
    const rate = [...pattern(5)].filter((bit) => bit === '1').length / 400;
    expect(rate).toBeGreaterThan(0.22);
    expect(rate).toBeLessThan(0.38);

    // An explicit seed fixes the draws whatever came before; `times` caps them.
    const capped = new FaultInjector(1);
    capped.add({ pathPrefix: '/', status: 500 });
    const fault = capped.add({ pathPrefix: '/v1.0', probability: 0.5, seed: 99, times: 3, kind: 'malformedJson' });
    for (let i = 0; i < 100; i++) capped.intercept({ method: 'GET', url: url('/v1.0/users') });
    expect(capped.list().find((entry) => entry.id === fault.id)?.fired).toBe(3);
  });

  it('injects probability faults per path prefix over HTTP, identically in two simulators with one seed', async () => {
    const options = { faultSeed: 3, faults: [{ pathPrefix: '/v1.0/users/delta', probability: 0.4, status: 504 }] };
    const [a, b] = await Promise.all([start(options), start(options)]);
    try {
      const statuses = async (target: RunningSimulator) => {
        const token = target.accessTokens.issue(target.application).token;
        const seen: number[] = [];
        for (let i = 0; i < 20; i++) seen.push((await graphGet(target, '/users/delta?$select=id', token)).status);
        return seen;
      };
      const first = await statuses(a);
      expect(first).toContain(504);
      expect(first).toContain(200);
      expect(await statuses(b)).toEqual(first);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('keeps the scripted status faults and serves the extended spec through the control API', async () => {
    const added = await control(sim, 'POST', '/faults', { pathPrefix: '/v1.0/users/delta', kind: 'slowBody', chunkBytes: 256, chunkDelayMs: 10, nth: 2 });
    expect(added.status).toBe(201);
    const fault = (await added.json()) as { id: string; kind: string; times: number };
    expect(fault).toMatchObject({ kind: 'slowBody', times: 1 });
    expect((await control(sim, 'POST', '/faults', { pathPrefix: '/v1.0', kind: 'noSuchKind' })).status).toBe(400);
    expect((await control(sim, 'POST', '/faults', { pathPrefix: '/v1.0' })).status).toBe(400);
    await client.api('/users/delta').get();
    const slow = (await client.api('/users/delta').get()) as { value: unknown[] };
    expect(slow.value).toHaveLength(10);
    expect(((await (await control(sim, 'GET', '/faults')).json()) as Array<{ fired: number }>)[0]?.fired).toBe(1);
    expect((await control(sim, 'DELETE', `/faults/${fault.id}`)).status).toBe(204);
    expect((await control(sim, 'DELETE', `/faults/${fault.id}`)).status).toBe(404);

    sim.faults.add({ pathPrefix: '/v1.0/users/delta', nth: 1, times: 2, status: 503, retryAfterSeconds: 0, code: 'serviceBusy', message: 'Busy.' });
    const raw = await graphGet(sim, '/users/delta');
    expect(raw.status).toBe(503);
    expect(((await raw.json()) as { error: { code: string } }).error.code).toBe('serviceBusy');
  });
});

describe('Retry-After forms of status faults', () => {
  it('answer without the header, with an empty one, or with an HTTP date, as clients meet them', async () => {
    const sim = await start({ users: 5 });
    onTestFinished(() => sim.close());
    const token = sim.accessTokens.issue(sim.application).token;
    sim.faults.add({ pathPrefix: '/v1.0/users', status: 429, retryAfterForm: 'missing' });
    sim.faults.add({ pathPrefix: '/v1.0/users', nth: 2, status: 429, retryAfterForm: 'empty' });
    sim.faults.add({ pathPrefix: '/v1.0/users', nth: 3, status: 503, retryAfterSeconds: 30, retryAfterForm: 'httpDate' });
    const missing = await graphGet(sim, '/users?$select=id', token);
    expect(missing.status).toBe(429);
    expect(missing.headers.has('retry-after')).toBe(false);
    const empty = await graphGet(sim, '/users?$select=id', token);
    expect(empty.status).toBe(429);
    expect(empty.headers.get('retry-after')).toBe('');
    const asked = Date.now();
    const dated = await graphGet(sim, '/users?$select=id', token);
    const answered = Date.now();
    expect(dated.status).toBe(503);
    const at = Date.parse(dated.headers.get('retry-after') ?? '');
    // 30 s after the answer, as an HTTP date (whole seconds, so up to 1 s earlier).
    expect(at).toBeGreaterThanOrEqual(asked + 29_000);
    expect(at).toBeLessThanOrEqual(answered + 30_000);
    expect((await graphGet(sim, '/users?$select=id', token)).status).toBe(200);
  });
});

describe('hold faults', () => {
  it('park matching requests unanswered until the fault is removed, then answer them normally', async () => {
    const sim = await start({ users: 5 });
    onTestFinished(() => sim.close());
    const token = sim.accessTokens.issue(sim.application).token;
    const added = await control(sim, 'POST', '/faults', { pathPrefix: '/v1.0/users/delta', kind: 'hold', times: 2 });
    expect(added.status).toBe(201);
    const hold = (await added.json()) as { id: string };
    let answered = false;
    const held = graphGet(sim, '/users/delta?$select=id', token).then((response) => ((answered = true), response));
    // Other paths pass while the hold parks its own.
    expect((await graphGet(sim, '/users?$select=id', token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answered).toBe(false);
    expect((await control(sim, 'DELETE', `/faults/${hold.id}`)).status).toBe(204);
    const response = await held;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { value: unknown[] }).value.length).toBeGreaterThan(0);
  });
});

describe('faults of Graph answers a client must survive', () => {
  it('expire page tokens: only requests carrying a $skiptoken answer 400 Directory_ExpiredPageToken, in Graph\'s error shape', async () => {
    const sim = await start({ users: 30, pageSize: 10 });
    onTestFinished(() => sim.close());
    const token = sim.accessTokens.issue(sim.application).token;
    await control(sim, 'POST', '/faults', { pathPrefix: '/v1.0/users/delta', kind: 'expiredPageToken' });
    const first = await graphGet(sim, '/users/delta?$select=id', token); // no page token: served
    expect(first.status).toBe(200);
    const next = ((await first.json()) as { '@odata.nextLink': string })['@odata.nextLink'];
    const expired = await fetch(next, { headers: { authorization: `Bearer ${token}` } });
    expect(expired.status).toBe(400);
    const body = (await expired.json()) as { error: { code: string; message: string; innerError: Record<string, string> } };
    expect(body.error.code).toBe('Directory_ExpiredPageToken');
    expect(body.error.innerError['request-id']).toBe(expired.headers.get('request-id'));
  });

  it('malform members@delta on a groups page: not an array, or a member without an id', async () => {
    const sim = await start({ users: 60 });
    onTestFinished(() => sim.close());
    const token = sim.accessTokens.issue(sim.application).token;
    const page = async () => ((await (await graphGet(sim, '/groups/delta?$select=id,members', token)).json()) as { value: Array<Record<string, unknown>> }).value;
    sim.faults.add({ pathPrefix: '/v1.0/groups/delta', kind: 'malformedMembersDelta' });
    expect((await page()).some((g) => g['members@delta'] !== undefined && !Array.isArray(g['members@delta']))).toBe(true);
    sim.faults.add({ pathPrefix: '/v1.0/groups/delta', kind: 'malformedMembersDelta', malformation: 'memberWithoutId' });
    const spoilt = (await page()).flatMap((g) => (Array.isArray(g['members@delta']) ? (g['members@delta'] as Array<Record<string, unknown>>) : []));
    expect(spoilt.filter((m) => m.id === undefined)).toHaveLength(1);
    expect((await page()).every((g) => Array.isArray(g['members@delta']))).toBe(true); // scripted: once each
  });

  it('page reports below $top when asked to, as the service may', async () => {
    const sim = await start({ users: 30, reportPageSize: 7 });
    onTestFinished(() => sim.close());
    const response = await graphGet(sim, '/auditLogs/directoryAudits?$top=1000');
    const body = (await response.json()) as { value: unknown[]; '@odata.nextLink'?: string };
    expect(body.value).toHaveLength(7);
    expect(body['@odata.nextLink']).toContain('$skiptoken=');
  });
});

describe('counters', () => {
  it('counts requests, statuses, resource units, 429s and faults per endpoint, in-process and over HTTP', async () => {
    const sim = await start({ throttling: { fixedLimit: 6 } });
    try {
      const token = sim.accessTokens.issue(sim.application).token;
      sim.faults.add({ pathPrefix: '/v1.0/servicePrincipals', status: 503 });
      for (let i = 0; i < 4; i++) await graphGet(sim, '/users/delta', token);
      await graphGet(sim, '/servicePrincipals/3f2c0d6e-1111-4222-8333-444455556666/owners', token);
      await graphGet(sim, '/servicePrincipals/7e2c0d6e-1111-4222-8333-444455556666/owners', token);

      const snapshot = (await (await control(sim, 'GET', '/counters')).json()) as TrafficCountersSnapshot;
      expect(snapshot.endpoints['GET /v1.0/users/delta']).toEqual({
        requests: 4,
        subRequests: 0,
        statuses: { 200: 3, 429: 1 },
        resourceUnits: 8,
        throttled: 1,
        faults: 0,
      });
      const owners = snapshot.endpoints['GET /v1.0/servicePrincipals/{id}/owners'];
      expect(owners).toMatchObject({ requests: 2, faults: 1, statuses: { 503: 1 } });
      expect(snapshot.totals.requests).toBe(6);
      expect(snapshot.totals.throttled).toBeGreaterThanOrEqual(1);
      expect(sim.counters.snapshot().endpoints).toEqual(snapshot.endpoints);

      expect((await control(sim, 'DELETE', '/counters')).status).toBe(204);
      expect(sim.counters.snapshot().totals.requests).toBe(0);
    } finally {
      await sim.close();
    }
  });
});
