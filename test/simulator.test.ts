import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTenant } from '../simulator/generate/generator';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../simulator/server';

import { credentialFor, deltaRound, GRAPH_SCOPE, graphClientFor, TLS_DIR, type DeltaPage, type GraphErrorBody } from './simulatorHelpers';

async function graphFailure(promise: Promise<unknown>): Promise<GraphError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GraphError);
  return error as GraphError;
}

function start(options: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
  return startSimulator({ tlsDir: TLS_DIR, seed: 42, users: 250, ...options });
}

/** Changes one character of the token's payload, keeping its signature. */
function tamper(link: string): string {
  const token = new URL(link).searchParams.get('$deltatoken') as string;
  const flipped = `${token.slice(0, 5)}${token[5] === 'A' ? 'B' : 'A'}${token.slice(6)}`;
  return link.replace(token, flipped);
}

describe('identity platform', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await start({ users: 5 });
  });
  afterAll(() => sim.close());

  it('issues a JWT-shaped app token through @azure/identity after OIDC discovery', async () => {
    sim.requestLog.clear();
    const token = await credentialFor(sim).getToken(GRAPH_SCOPE);

    const [, payload] = token.token.split('.');
    const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      tid: sim.config.tenantId,
      appid: sim.config.clientId,
      roles: expect.arrayContaining(['User.Read.All']),
    });
    expect(claims.exp - claims.iat).toBe(3599);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3000_000);

    const requests = sim.requestLog.entries().map((entry) => `${entry.method} ${entry.path.split('?')[0]} ${entry.status}`);
    expect(requests).toEqual([
      `GET /${sim.config.tenantId}/v2.0/.well-known/openid-configuration 200`,
      `POST /${sim.config.tenantId}/oauth2/v2.0/token 200`,
    ]);
  });

  it('answers a wrong secret with AADSTS7000215 invalid_client, surfaced by @azure/identity', async () => {
    const failure = await credentialFor(sim, 'not-the-secret').getToken(GRAPH_SCOPE).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toContain('invalid_client');
    expect(failure?.message).toContain('AADSTS7000215: Invalid client secret provided.');

    const response = await fetch(`${sim.config.authorityHost}/${sim.config.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: sim.config.clientId,
        client_secret: 'not-the-secret',
        scope: GRAPH_SCOPE,
        grant_type: 'client_credentials',
      }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as Record<string, unknown> & { error_description: string };
    expect(body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect(body.error_description).toMatch(
      /^AADSTS7000215: .*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
    );
    expect(body).toHaveProperty('trace_id');
    expect(body).toHaveProperty('correlation_id');
    expect(body).toHaveProperty('error_uri');
  });

  it('tells unknown clients, unknown tenants and malformed tenants apart', async () => {
    const tokenRequest = (tenant: string, clientId: string) =>
      fetch(`${sim.config.authorityHost}/${tenant}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({ client_id: clientId, client_secret: 'x', scope: GRAPH_SCOPE, grant_type: 'client_credentials' }),
      }).then(async (response) => ({ status: response.status, body: await response.json() }));

    const unknownClient = await tokenRequest(sim.config.tenantId, '11111111-1111-4111-8111-111111111111');
    expect(unknownClient).toMatchObject({ status: 400, body: { error: 'unauthorized_client', error_codes: [700016] } });
    const unknownTenant = await tokenRequest('22222222-2222-4222-8222-222222222222', sim.config.clientId);
    expect(unknownTenant).toMatchObject({ status: 400, body: { error: 'invalid_request', error_codes: [90002] } });
    const malformedTenant = await tokenRequest('not_a_tenant!', sim.config.clientId);
    expect(malformedTenant).toMatchObject({ status: 400, body: { error: 'invalid_request', error_codes: [900023] } });
  });
});

describe('users delta: paging, $select and query validation', () => {
  let sim: RunningSimulator;
  let client: Client;
  beforeAll(async () => {
    sim = await start({ users: 250, pageSize: 100 });
    client = graphClientFor(sim);
  });
  afterAll(() => sim.close());

  it('pages through absolute nextLinks to a deltaLink with exactly the tenant users', async () => {
    const round = await deltaRound(client, '/users/delta');

    expect(round.pages.map((page) => page.value.length)).toEqual([100, 100, 50]);
    for (const page of round.pages.slice(0, -1)) {
      expect(page['@odata.nextLink']).toMatch(new RegExp(`^${sim.config.graphBaseUrl}/users/delta\\?\\$skiptoken=`));
      expect(page['@odata.deltaLink']).toBeUndefined();
    }
    expect(round.deltaLink).toMatch(new RegExp(`^${sim.config.graphBaseUrl}/users/delta\\?\\$deltatoken=`));
    expect(round.pages[0]?.['@odata.context']).toBe(`${sim.config.graphBaseUrl}/$metadata#users`);

    const ids = round.entries.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(250);
    expect(ids).toEqual(sim.tenant.activeUsers().map((user) => user.id));
    // Without $select Graph returns its default user properties.
    expect(Object.keys(round.entries[0] as object).sort()).toEqual(
      ['businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName'],
    );
  });

  it('honours $select and always returns id', async () => {
    const round = await deltaRound(client, '/users/delta?$select=displayName,userType,accountEnabled');
    expect(round.entries).toHaveLength(250);
    for (const entry of round.entries) {
      expect(Object.keys(entry).sort()).toEqual(['accountEnabled', 'displayName', 'id', 'userType']);
    }
    expect(round.pages[0]?.['@odata.context']).toContain('$metadata#users(displayName,userType,accountEnabled)');
  });

  it('refuses $top, $orderby and unknown $select properties', async () => {
    const top = await graphFailure(client.api('/users/delta').top(5).get());
    expect(top.statusCode).toBe(400);
    expect(top.code).toBe('Request_UnsupportedQuery');

    const orderBy = await graphFailure(client.api('/users/delta').orderby('displayName').get());
    expect(orderBy.code).toBe('Request_UnsupportedQuery');

    const unknown = await graphFailure(client.api('/users/delta').select(['displayName', 'favouriteColour']).get());
    expect(unknown.statusCode).toBe(400);
    expect(unknown.code).toBe('Request_BadRequest');
  });

  it('answers $deltatoken=latest with an empty page and a deltaLink', async () => {
    const page = (await client.api('/users/delta?$deltatoken=latest').get()) as DeltaPage;
    expect(page.value).toEqual([]);
    expect(page['@odata.deltaLink']).toBeDefined();
    expect(page['@odata.nextLink']).toBeUndefined();

    const created = sim.tenant.createUser({ displayName: 'Latest Arrival' });
    const round = await deltaRound(client, page['@odata.deltaLink'] as string);
    expect(round.entries.map((entry) => entry.id)).toEqual([created.id]);
    sim.tenant.hardDeleteUser(created.id);
  });
});

describe('users delta: changes between rounds', () => {
  let sim: RunningSimulator;
  let client: Client;
  beforeAll(async () => {
    sim = await start({ users: 120, pageSize: 50 });
    client = graphClientFor(sim);
  });
  afterAll(() => sim.close());

  it('reports creates, updates, soft and hard deletes and restores in the next round only', async () => {
    const select = '$select=displayName,userPrincipalName,accountEnabled,userType';
    const initial = await deltaRound(client, `/users/delta?${select}`);
    expect(initial.entries).toHaveLength(120);
    const [updated, softDeleted, hardDeleted, untouched] = sim.tenant.activeUsers();
    if (!updated || !softDeleted || !hardDeleted || !untouched) throw new Error('tenant too small');

    const created = sim.tenant.createUser({ givenName: 'Nora', surname: 'Newcomer' });
    sim.tenant.updateUser(updated.id, { displayName: 'Renamed Person' });
    sim.tenant.softDeleteUser(softDeleted.id);
    sim.tenant.hardDeleteUser(hardDeleted.id);
    // Not selected: must not produce a change record.
    sim.tenant.updateUser(untouched.id, { jobTitle: 'Chief Unselected Officer' });

    const second = await deltaRound(client, initial.deltaLink);
    const byId = new Map(second.entries.map((entry) => [entry.id, entry]));
    expect([...byId.keys()].sort()).toEqual([created.id, updated.id, softDeleted.id, hardDeleted.id].sort());
    expect(byId.get(created.id)).toMatchObject({ displayName: 'Nora Newcomer', userType: 'Member', accountEnabled: true });
    expect(byId.get(updated.id)).toMatchObject({ displayName: 'Renamed Person' });
    expect(byId.get(softDeleted.id)).toEqual({ id: softDeleted.id, '@removed': { reason: 'changed' } });
    expect(byId.get(hardDeleted.id)).toEqual({ id: hardDeleted.id, '@removed': { reason: 'deleted' } });

    sim.tenant.restoreUser(softDeleted.id);
    const third = await deltaRound(client, second.deltaLink);
    expect(third.entries).toEqual([
      {
        displayName: softDeleted.displayName,
        userPrincipalName: softDeleted.userPrincipalName,
        accountEnabled: softDeleted.accountEnabled,
        userType: softDeleted.userType,
        id: softDeleted.id,
      },
    ]);

    const empty = await deltaRound(client, third.deltaLink);
    expect(empty.pages).toHaveLength(1);
    expect(empty.entries).toEqual([]);
    // An unchanged round hands back the very link it was called with, as Microsoft documents.
    expect(empty.deltaLink).toBe(third.deltaLink);
    sim.deltaSettings.repeatUnchangedDeltaLink = false;
    const minted = await deltaRound(client, third.deltaLink);
    sim.deltaSettings.repeatUnchangedDeltaLink = true;
    expect(minted.entries).toEqual([]);
    expect(minted.deltaLink).not.toBe(third.deltaLink);
  });

  it('keeps a round consistent when the tenant changes while paging', async () => {
    const initial = await deltaRound(client, '/users/delta?$select=displayName');
    const firstPage = (await client.api(initial.deltaLink).get()) as DeltaPage;
    expect(firstPage.value).toEqual([]);

    // Start a full round, then change the tenant before reading the second page.
    const page1 = (await client.api('/users/delta?$select=displayName').get()) as DeltaPage;
    const lateComer = sim.tenant.createUser({ id: 'ffffffff-ffff-4fff-bfff-ffffffffffff', displayName: 'Late Comer' });
    const rest = await deltaRound(client, page1['@odata.nextLink'] as string);
    const seen = [...page1.value, ...rest.entries].map((entry) => entry.id);
    expect(seen).not.toContain(lateComer.id);
    expect(seen).toHaveLength(sim.tenant.activeUsers().length - 1);

    const next = await deltaRound(client, rest.deltaLink);
    expect(next.entries.map((entry) => entry.id)).toEqual([lateComer.id]);
  });
});

describe('users delta: token lifecycle and failures', () => {
  let sim: RunningSimulator;
  let client: Client;
  beforeAll(async () => {
    sim = await start({ users: 30, pageSize: 10 });
    client = graphClientFor(sim);
  });
  afterAll(() => sim.close());

  it('answers an expired delta token with 400 syncStateNotFound', async () => {
    const round = await deltaRound(client, '/users/delta');
    sim.deltaTokens.expireAll();
    const error = await graphFailure(client.api(round.deltaLink).get());
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('syncStateNotFound');
    // A fresh initial round works again.
    expect((await deltaRound(client, '/users/delta')).entries).toHaveLength(30);
  });

  it('answers a reset stream with 410 Gone and a Location to a fresh initial query', async () => {
    const round = await deltaRound(client, '/users/delta?$select=displayName');
    sim.deltaTokens.resetAll('users');
    const error = await graphFailure(client.api(round.deltaLink).get());
    expect(error.statusCode).toBe(410);
    expect(error.code).toBe('resyncRequired');
    const location = error.headers?.get('location');
    expect(location).toBe(`${sim.config.graphBaseUrl}/users/delta?$select=displayName`);

    const fresh = await deltaRound(client, location as string);
    expect(fresh.entries).toHaveLength(30);
  });

  it('rejects a tampered token', async () => {
    const round = await deltaRound(client, '/users/delta');
    const error = await graphFailure(client.api(tamper(round.deltaLink)).get());
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('Request_BadRequest');
  });

  it('answers a bad or expired bearer token with 401 InvalidAuthenticationToken', async () => {
    const garbage = await fetch(`${sim.config.graphBaseUrl}/users/delta`, {
      headers: { authorization: 'Bearer not.a.token', 'client-request-id': 'caller-chosen-id' },
    });
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('content-type')).toMatch(/^application\/json/);
    expect(garbage.headers.get('client-request-id')).toBe('caller-chosen-id');
    expect(garbage.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await garbage.json()) as GraphErrorBody;
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(body.error.innerError['client-request-id']).toBe('caller-chosen-id');
    expect(body.error.innerError['request-id']).toBe(garbage.headers.get('request-id'));

    const stale = sim.accessTokens.issue(sim.application, { now: new Date(Date.now() - 2 * 3600 * 1000) });
    const expired = await fetch(`${sim.config.graphBaseUrl}/users/delta`, {
      headers: { authorization: `Bearer ${stale.token}` },
    });
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as GraphErrorBody).error.code).toBe('InvalidAuthenticationToken');
  });

  it('answers 403 Authorization_RequestDenied when the app lacks User.Read.All', async () => {
    const granted = sim.application.grantedPermissions;
    sim.application.grantedPermissions = ['Group.Read.All'];
    try {
      // A new client means a new credential, hence a new token carrying the new roles.
      const error = await graphFailure(graphClientFor(sim).api('/users/delta').get());
      expect(error.statusCode).toBe(403);
      expect(error.code).toBe('Authorization_RequestDenied');
      expect(error.message).toBe('Insufficient privileges to complete the operation.');
    } finally {
      sim.application.grantedPermissions = granted;
    }
  });

  it('fails the nth matching request as scripted, and the Graph client retries 429s by itself', async () => {
    sim.faults.add({ pathPrefix: '/v1.0/users/delta', nth: 2, status: 500 });
    const page1 = (await client.api('/users/delta').get()) as DeltaPage;
    const nextLink = page1['@odata.nextLink'] as string;
    const error = await graphFailure(client.api(nextLink).get());
    expect(error.statusCode).toBe(500);
    expect(error.code).toBe('generalException');
    // times: 1, so the same link now works.
    expect(((await client.api(nextLink).get()) as DeltaPage).value).toHaveLength(10);

    sim.faults.clear();
    sim.requestLog.clear();
    sim.faults.add({ pathPrefix: '/v1.0/users/delta', status: 429, retryAfterSeconds: 0 });
    await client.api(nextLink).get();
    expect(sim.requestLog.entries().map((entry) => entry.status)).toEqual([429, 200]);
    sim.faults.clear();
  });

  it('serves the same operations through the HTTP control API', async () => {
    const control = (method: string, route: string, body?: unknown) =>
      fetch(`${sim.config.authorityHost}/_sim${route}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    const created = await control('POST', '/users', { displayName: 'Via Http', department: 'Legal' });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: string };
    expect((await control('PATCH', `/users/${user.id}`, { jobTitle: 'Counsel' })).status).toBe(200);
    expect((await control('PATCH', `/users/${user.id}`, { noSuchField: 1 })).status).toBe(400);
    expect((await control('POST', `/users/${user.id}/soft-delete`)).status).toBe(200);
    expect((await control('POST', `/users/${user.id}/restore`)).status).toBe(200);
    const truth = (await (await control('GET', '/truth/users')).json()) as Array<{ id: string; jobTitle: string }>;
    expect(truth.find((entry) => entry.id === user.id)?.jobTitle).toBe('Counsel');
    expect((await control('DELETE', `/users/${user.id}`)).status).toBe(204);
    expect((await control('DELETE', `/users/${user.id}`)).status).toBe(409);
    expect((await control('POST', '/faults', { pathPrefix: '/v1.0/users/delta', status: 503, nth: 1 })).status).toBe(201);
    expect((await control('DELETE', '/faults')).status).toBe(204);
    const requests = (await (await control('GET', '/requests')).json()) as Array<{ path: string }>;
    expect(requests.every((entry) => !entry.path.startsWith('/_sim'))).toBe(true);
  });
});

describe('duplicates option', () => {
  it('emits every object twice when asked to', async () => {
    const sim = await start({ users: 12, pageSize: 5, duplicates: true });
    try {
      const round = await deltaRound(graphClientFor(sim), '/users/delta?$select=id');
      expect(round.entries).toHaveLength(24);
      expect(new Set(round.entries.map((entry) => entry.id)).size).toBe(12);
    } finally {
      await sim.close();
    }
  });
});

describe('tenant generator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const first = generateTenant({ seed: 7, users: 300 });
    expect(generateTenant({ seed: 7, users: 300 })).toEqual(first);
    expect(generateTenant({ seed: 8, users: 300 }).users[0]?.id).not.toBe(first.users[0]?.id);
    // A smaller tenant of the same seed is a prefix of the larger one.
    expect(generateTenant({ seed: 7, users: 50 }).users).toEqual(first.users.slice(0, 50));
  });

  it('produces exactly the requested users with realistic shares of guests and disabled accounts', () => {
    const { users, identity, application } = generateTenant({ seed: 3, users: 2000 });
    expect(users).toHaveLength(2000);
    expect(new Set(users.map((user) => user.id)).size).toBe(2000);
    expect(new Set(users.map((user) => user.userPrincipalName.toLowerCase())).size).toBe(2000);

    const guests = users.filter((user) => user.userType === 'Guest');
    expect(guests.length / users.length).toBeGreaterThan(0.07);
    expect(guests.length / users.length).toBeLessThan(0.13);
    expect(guests.every((guest) => guest.userPrincipalName.includes('#EXT#@'))).toBe(true);
    const disabled = users.filter((user) => !user.accountEnabled).length / users.length;
    expect(disabled).toBeGreaterThan(0.03);
    expect(disabled).toBeLessThan(0.07);

    const years = new Set(users.map((user) => user.createdDateTime.slice(0, 4)));
    expect(years.size).toBeGreaterThan(5);
    expect(identity.tenantId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(application.clientSecret).toHaveLength(40);
  });

  it('serves the same tenant from two simulators started with the same seed', async () => {
    const [a, b] = await Promise.all([start({ users: 40 }), start({ users: 40 })]);
    try {
      expect(b.config.tenantId).toBe(a.config.tenantId);
      expect(b.config.clientSecret).toBe(a.config.clientSecret);
      const [roundA, roundB] = await Promise.all([
        deltaRound(graphClientFor(a), '/users/delta?$select=displayName,userPrincipalName'),
        deltaRound(graphClientFor(b), '/users/delta?$select=displayName,userPrincipalName'),
      ]);
      expect(roundB.entries).toEqual(roundA.entries);
      // Tokens survive a restart with the same seed: b accepts a's deltaLink.
      const port = (link: string) => new URL(link).port;
      const crossLink = roundA.deltaLink.replace(`:${port(roundA.deltaLink)}/`, `:${port(roundB.deltaLink)}/`);
      expect((await deltaRound(graphClientFor(b), crossLink)).entries).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
