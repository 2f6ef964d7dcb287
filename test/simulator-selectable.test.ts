import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../simulator/server';
import { rawGraph, start, type GraphErrorBody, type ListPage } from './simulatorHelpers';

type Row = Record<string, unknown> & { id: string };

// Which properties $select accepts follows Graph v1.0's resource pages (see the simulator's model/*Resource.ts).
describe('$select property lists', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await start({ users: 60, seed: 5 });
  });
  afterAll(() => sim.close());

  it('accepts createdDateTime on service principals (an open type whose objects carry it), on lists, by id and in delta', async () => {
    const list = await rawGraph(sim, '/servicePrincipals?$select=id,createdDateTime&$top=5');
    expect(list.status).toBe(200);
    const rows = (list.body as ListPage<Row>).value;
    expect(rows.length).toBeGreaterThan(0);
    expect(Object.keys(rows[0]!).sort()).toEqual(['createdDateTime', 'id']);

    expect((await rawGraph(sim, `/servicePrincipals/${rows[0]!.id}?$select=createdDateTime`)).status).toBe(200);
    expect((await rawGraph(sim, '/servicePrincipals/delta?$select=displayName,createdDateTime')).status).toBe(200);
  });

  it('accepts properties documented on v1.0 that the simulator does not store (they come back empty)', async () => {
    const cases: Array<[string, string]> = [
      ['/servicePrincipals', 'customSecurityAttributes'],
      ['/users', 'serviceProvisioningErrors'],
      ['/users', 'isManagementRestricted'],
      ['/groups', 'isArchived'],
      ['/groups', 'uniqueName'],
      ['/applications', 'authenticationBehaviors'],
    ];
    for (const [path, property] of cases) {
      const response = await rawGraph(sim, `${path}?$select=id,${property}&$top=1`);
      expect([path, property, response.status]).toEqual([path, property, 200]);
      const row = (response.body as ListPage<Row>).value[0]!;
      expect(row).toHaveProperty(property);
    }
    const users = await rawGraph(sim, '/users?$select=serviceProvisioningErrors&$top=1');
    expect((users.body as ListPage<Row>).value[0]!.serviceProvisioningErrors).toEqual([]);
  });

  it('still refuses a property no version of the type has, with the Graph error shape', async () => {
    for (const path of ['/servicePrincipals', '/servicePrincipals/delta', '/users', '/groups/delta', '/applications']) {
      const response = await rawGraph(sim, `${path}?$select=id,notARealProperty`);
      expect([path, response.status]).toEqual([path, 400]);
      const { error } = response.body as GraphErrorBody;
      expect(error.code).toBe('Request_BadRequest');
      expect(error.message).toMatch(/^Could not find a property named 'notARealProperty' on type 'microsoft\.graph\.\w+'\.$/);
      expect(error.innerError).toMatchObject({ 'request-id': expect.any(String), date: expect.any(String) });
    }
  });
});
