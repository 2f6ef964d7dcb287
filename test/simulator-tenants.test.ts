import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatedTenant } from '../simulator/server';
import { TEST_TLS_DIR } from './support/testTls';

// One simulator serving two tenants, as Graph serves many: each tenant's token reads only its own
// directory, and each app + tenant pair has its own throttling budgets (docs/graph-behaviour.md,
// "Many tenants").

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

let sim: RunningSimulator;
let a: SimulatedTenant;
let b: SimulatedTenant;

beforeAll(async () => {
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 42, users: 30, additionalTenants: [{ seed: 43, users: 45 }] });
  [a, b] = sim.tenants as [SimulatedTenant, SimulatedTenant];
});
afterAll(() => sim?.close());

/** A token from the tenant's own token endpoint, the way the connector gets one. */
async function tokenOf(tenant: SimulatedTenant, clientId = tenant.config.clientId, secret = tenant.config.clientSecret): Promise<string> {
  const credential = new ClientSecretCredential(tenant.config.tenantId, clientId, secret, {
    authorityHost: tenant.config.authorityHost,
    disableInstanceDiscovery: true,
  });
  return (await credential.getToken(GRAPH_SCOPE)).token;
}

function graphGet(url: string, token: string): Promise<Response> {
  return fetch(url.startsWith('https://') ? url : `${sim.config.graphBaseUrl}${url}`, { headers: { authorization: `Bearer ${token}` } });
}

async function allUserIds(token: string): Promise<string[]> {
  const ids: string[] = [];
  let url: string | undefined = '/users?$select=id&$top=999';
  while (url) {
    const response = await graphGet(url, token);
    expect(response.status).toBe(200);
    const page = (await response.json()) as { value: { id: string }[]; '@odata.nextLink'?: string };
    ids.push(...page.value.map((user) => user.id));
    url = page['@odata.nextLink'];
  }
  return ids.sort();
}

const activeUserIds = (tenant: SimulatedTenant) => [...tenant.tenant.users.activeRecords()].map((user) => user.id).sort();

describe('a simulator serving two tenants', () => {
  it('gives each tenant its own tenant id, app registration and directory on one origin', () => {
    expect(sim.config).toEqual(a.config);
    expect(b.config.tenantId).not.toBe(a.config.tenantId);
    expect(b.config.clientId).not.toBe(a.config.clientId);
    expect(b.config.graphBaseUrl).toBe(a.config.graphBaseUrl);
    expect(b.config.authorityHost).toBe(a.config.authorityHost);
    expect(activeUserIds(a)).toHaveLength(30);
    expect(activeUserIds(b)).toHaveLength(45);
  });

  it("reads, with a tenant's token, exactly that tenant's users and none of the other's", async () => {
    const [usersOfA, usersOfB] = await Promise.all([tokenOf(a).then(allUserIds), tokenOf(b).then(allUserIds)]);
    expect(usersOfA).toEqual(activeUserIds(a));
    expect(usersOfB).toEqual(activeUserIds(b));
    expect(usersOfA.filter((id) => usersOfB.includes(id))).toEqual([]);
  });

  it("refuses one tenant's app at the other tenant's token endpoint", async () => {
    const error = await tokenOf(b, a.config.clientId, a.config.clientSecret).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toContain('AADSTS700016');
  });

  it("refuses a token re-addressed to the other tenant, and a delta link carried to the other tenant", async () => {
    const tokenOfA = await tokenOf(a);
    const [header, payload, signature] = tokenOfA.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, tid: b.config.tenantId })).toString('base64url')}.${signature}`;
    const refused = await graphGet('/users', forged);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('InvalidAuthenticationToken');

    let url = '/users/delta?$select=id';
    let deltaLink: string | undefined;
    while (!deltaLink) {
      const page = (await (await graphGet(url, tokenOfA)).json()) as { '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
      deltaLink = page['@odata.deltaLink'];
      url = page['@odata.nextLink'] ?? url;
    }
    expect((await graphGet(deltaLink, tokenOfA)).status).toBe(200);
    const carried = await graphGet(deltaLink, await tokenOf(b));
    expect(carried.status).toBeGreaterThanOrEqual(400);
    expect(carried.status).toBeLessThan(500);
  });

  it("throttles one tenant's reports without touching the other's budget", async () => {
    const [tokenOfA, tokenOfB] = await Promise.all([tokenOf(a), tokenOf(b)]);
    const audits = '/auditLogs/directoryAudits?$top=1';
    // Graph's reports limit: 5 requests per 10 s per app and tenant (docs/graph-behaviour.md, "Throttling").
    const statusesOfA: number[] = [];
    for (let i = 0; i < 6; i++) statusesOfA.push((await graphGet(audits, tokenOfA)).status);
    expect(statusesOfA).toEqual([200, 200, 200, 200, 200, 429]);
    expect(a.counters.snapshot().totals.throttled).toBe(1);

    expect((await graphGet(audits, tokenOfB)).status).toBe(200);
    expect(b.counters.snapshot().totals.throttled).toBe(0);
  });

  it('addresses the control API per tenant: ground truth, changes and faults reach only that tenant', async () => {
    const control = (method: string, route: string, body?: unknown) =>
      fetch(`${sim.config.authorityHost}/_sim${route}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    const listed = (await (await control('GET', '/tenants')).json()) as { value: { tenantId: string }[] };
    expect(listed.value.map((t) => t.tenantId)).toEqual([a.config.tenantId, b.config.tenantId]);
    const configOfB = (await (await control('GET', `/tenants/${b.config.tenantId}/config`)).json()) as { tenantId: string };
    expect(configOfB.tenantId).toBe(b.config.tenantId);
    expect((await control('GET', '/tenants/00000000-0000-0000-0000-00000000beef/config')).status).toBe(404);

    const usersOfA = activeUserIds(a).length;
    const created = await control('POST', `/tenants/${b.config.tenantId}/users`, { displayName: 'Only in B' });
    expect(created.status).toBe(201);
    expect(activeUserIds(b)).toHaveLength(46);
    expect(activeUserIds(a)).toHaveLength(usersOfA);

    const fault = await control('POST', `/tenants/${b.config.tenantId}/faults`, { pathPrefix: '/v1.0/groups', status: 503 });
    expect(fault.status).toBe(201);
    expect((await graphGet('/groups?$top=1', await tokenOf(b))).status).toBe(503);
    expect((await graphGet('/groups?$top=1', await tokenOf(a))).status).toBe(200);
  });
});
