import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatedTenant } from '../simulator/server';
import { SyncHarness } from './support/syncHarness';
import { TEST_TLS_DIR } from './support/testTls';

// Two connectors, each pointed at its own tenant of one multi-tenant simulator (as bench:scale runs
// fifty): each one's rows are exactly its tenant's directory, and a change in one tenant reaches
// only its own connector.

let sim: RunningSimulator;
let a: SimulatedTenant;
let b: SimulatedTenant;
let syncOfA: SyncHarness;
let syncOfB: SyncHarness;

beforeAll(async () => {
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 61, users: 25, additionalTenants: [{ seed: 62, users: 35 }] });
  [a, b] = sim.tenants as [SimulatedTenant, SimulatedTenant];
  [syncOfA, syncOfB] = await Promise.all([SyncHarness.start(a.config), SyncHarness.start(b.config)]);
});
afterAll(async () => {
  await Promise.all([syncOfA?.stop(), syncOfB?.stop()]);
  await sim?.close();
});

const liveUserIds = async (harness: SyncHarness) =>
  (await harness.query<{ id: string }>('select id from users where connector_id = $1 and deleted_at is null order by id', [harness.connectorId])).map((r) => r.id);
const truthUserIds = (tenant: SimulatedTenant) => [...tenant.tenant.users.activeRecords()].map((user) => user.id).sort();
const truthGroupIds = (tenant: SimulatedTenant) => tenant.tenant.activeObjects('groups').map((group) => group.id).sort();

describe('two connectors on two tenants of one simulator', () => {
  it("bootstraps each connector with exactly its own tenant's users and groups", async () => {
    await Promise.all([syncOfA.sync(), syncOfB.sync()]);
    expect(await liveUserIds(syncOfA)).toEqual(truthUserIds(a));
    expect(await liveUserIds(syncOfB)).toEqual(truthUserIds(b));
    expect((await liveUserIds(syncOfA)).filter((id) => truthUserIds(b).includes(id))).toEqual([]);
    const groupsOf = async (harness: SyncHarness) =>
      (await harness.query<{ id: string }>('select id from groups where connector_id = $1 and deleted_at is null order by id', [harness.connectorId])).map((r) => r.id);
    expect(await groupsOf(syncOfA)).toEqual(truthGroupIds(a));
    expect(await groupsOf(syncOfB)).toEqual(truthGroupIds(b));
  });

  it("carries a change in one tenant to its connector's next incremental run only", async () => {
    const joiner = b.tenant.createUser({ displayName: 'Joins tenant B' });
    const [runOfA, runOfB] = await Promise.all([syncOfA.sync(), syncOfB.sync()]);
    expect(runOfB.summary.streams.users).toMatchObject({ mode: 'incremental', upserted: 1, removed: 0 });
    expect(runOfA.summary.streams.users).toMatchObject({ mode: 'incremental', upserted: 0, removed: 0 });
    expect(await liveUserIds(syncOfB)).toEqual(truthUserIds(b));
    expect(await liveUserIds(syncOfB)).toContain(joiner.id);
    expect(await liveUserIds(syncOfA)).toEqual(truthUserIds(a));
  });

  it("keeps each connector's reports budget on its own tenant and app", async () => {
    const slotsOf = (harness: SyncHarness) => harness.query<{ tenant_id: string; client_id: string }>('select tenant_id, client_id from report_request_slots');
    expect(await slotsOf(syncOfA)).toEqual([{ tenant_id: a.config.tenantId, client_id: a.config.clientId }]);
    expect(await slotsOf(syncOfB)).toEqual([{ tenant_id: b.config.tenantId, client_id: b.config.clientId }]);
  });
});
