import { BatchRequestContent, BatchResponseContent, type Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ownerships } from '../simulator/tenant/groundTruth';
import type { RunningSimulator } from '../simulator/server';
import { graphClientFor, rawGraph, start, type ListPage } from './simulatorHelpers';

interface SubResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: Record<string, unknown> & { error?: { code: string } };
}

const batch = (sim: RunningSimulator, requests: unknown[], roles?: string[]) =>
  rawGraph(sim, '/$batch', { method: 'POST', body: { requests }, ...(roles ? { roles } : {}) });
const responsesOf = (body: unknown) => (body as { responses: SubResponse[] }).responses;

describe('JSON batching', () => {
  let sim: RunningSimulator;
  let client: Client;
  beforeAll(async () => {
    sim = await start({ users: 300, seed: 41 });
    client = graphClientFor(sim);
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.faults.clear());

  it('works with the JS client: JSON bodies kept (exact Content-Type), absolute nextLinks inside', async () => {
    const app = ownerships(sim.tenant).find((o) => o.objectType === 'application')!.objectId;
    const group = sim.tenant.activeObjects('groups')[0]!.id;
    const content = new BatchRequestContent([
      { id: 'users', request: new Request(`${sim.config.graphBaseUrl}/users?$top=5&$select=id`, { method: 'GET' }) },
      { id: 'owners', request: new Request(`${sim.config.graphBaseUrl}/applications/${app}/owners`, { method: 'GET' }) },
      { id: 'members', request: new Request(`${sim.config.graphBaseUrl}/groups/${group}/members?$top=2`, { method: 'GET' }) },
    ]);
    const raw = (await client.api('/$batch').post(await content.getContent())) as { responses: SubResponse[] };
    for (const response of raw.responses) {
      expect(response.status).toBe(200);
      expect(Object.keys(response.headers)).toContain('Content-Type');
      expect(response.headers['Content-Type']?.split(';')[0]).toBe('application/json');
    }
    const parsed = new BatchResponseContent(raw);
    const users = (await parsed.getResponseById('users').json()) as ListPage;
    expect(users.value).toHaveLength(5);
    expect(users['@odata.nextLink']).toMatch(new RegExp(`^${sim.config.graphBaseUrl}/users\\?`));
    const next = (await client.api(users['@odata.nextLink'] as string).get()) as ListPage;
    expect(next.value).toHaveLength(5);
    const owners = (await parsed.getResponseById('owners').json()) as ListPage<{ id: string }>;
    expect(owners.value.map((o) => o.id).sort()).toEqual(sim.tenant.activeOwnersOf(app).sort());
  });

  it('refuses more than 20 requests and duplicate ids with 400', async () => {
    const twentyOne = Array.from({ length: 21 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: '/users?$top=1' }));
    expect((await batch(sim, twentyOne)).status).toBe(400);
    expect((await batch(sim, twentyOne.slice(0, 20))).status).toBe(200);
    const duplicate = await batch(sim, [
      { id: '1', method: 'GET', url: '/users?$top=1' },
      { id: '1', method: 'GET', url: '/groups?$top=1' },
    ]);
    expect(duplicate.status).toBe(400);
    expect((duplicate.body as { error: { code: string } }).error.code).toBe('BadRequest');
    expect((await batch(sim, [{ id: '1', method: 'GET', url: '/users', dependsOn: ['9'] }])).status).toBe(400);
  });

  it('authorises every sub-request on its own', async () => {
    const result = await batch(
      sim,
      [
        { id: 'u', method: 'GET', url: '/users?$top=1' },
        { id: 'a', method: 'GET', url: '/applications?$top=1' },
        { id: 'x', method: 'GET', url: '/notSimulated' },
      ],
      ['User.Read.All'],
    );
    expect(result.status).toBe(200);
    const byId = new Map(responsesOf(result.body).map((r) => [r.id, r]));
    expect(byId.get('u')?.status).toBe(200);
    expect(byId.get('a')?.status).toBe(403);
    expect(byId.get('a')?.body?.error?.code).toBe('Authorization_RequestDenied');
    expect(byId.get('x')?.status).toBe(400);
    // A bad token fails the whole batch.
    const response = await fetch(`${sim.config.graphBaseUrl}/$batch`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
    expect(response.status).toBe(401);
  });

  it('answers in a shuffled, reproducible order and honours dependsOn', async () => {
    const requests = Array.from({ length: 20 }, (_, i) => ({ id: `r${i}`, method: 'GET', url: `/users?$top=1&n=${i}` }));
    const first = responsesOf((await batch(sim, requests)).body).map((r) => r.id);
    const second = responsesOf((await batch(sim, requests)).body).map((r) => r.id);
    expect(first).toEqual(second);
    expect(first).not.toEqual(requests.map((r) => r.id));
    expect([...first].sort()).toEqual(requests.map((r) => r.id).sort());

    const chained = await batch(sim, [
      { id: '2', method: 'GET', url: '/users?$top=1', dependsOn: ['1'] },
      { id: '1', method: 'GET', url: '/applications/11111111-1111-4111-8111-111111111111' },
      { id: '3', method: 'GET', url: '/groups?$top=1', dependsOn: [] },
    ]);
    const byId = new Map(responsesOf(chained.body).map((r) => [r.id, r.status]));
    expect(byId).toEqual(new Map([['1', 404], ['2', 424], ['3', 200]]));
  });

  it('lets scripted faults hit single sub-requests: a 429 with its own Retry-After inside a 200 batch', async () => {
    const sp = sim.tenant.activeObjects('servicePrincipals')[0]!.id;
    sim.faults.add({ pathPrefix: '/v1.0/servicePrincipals/', status: 429, retryAfterSeconds: 7 });
    const result = await batch(sim, [
      { id: 'owners', method: 'GET', url: `/servicePrincipals/${sp}/owners` },
      { id: 'users', method: 'GET', url: '/users?$top=1' },
    ]);
    expect(result.status).toBe(200);
    const byId = new Map(responsesOf(result.body).map((r) => [r.id, r]));
    expect(byId.get('owners')).toMatchObject({ status: 429, headers: { 'Retry-After': '7', 'Content-Type': 'application/json' } });
    expect(byId.get('owners')?.body?.error?.code).toBe('TooManyRequests');
    expect(byId.get('users')?.status).toBe(200);
    // times: 1 — retrying just the failed id now works.
    const retry = await batch(sim, [{ id: 'owners', method: 'GET', url: `/servicePrincipals/${sp}/owners` }]);
    expect(responsesOf(retry.body)[0]?.status).toBe(200);
  });
});
