import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { expectInventoryMatchesTruth } from './support/inventoryTruth';
import { runCli } from './support/cliProcess';
import { paceReportsFast } from './support/fastReports';
import { SyncHarness } from './support/syncHarness';
import { startTenantFront, type TenantFront } from './support/tenantFront';
import { TEST_TLS_DIR } from './support/testTls';

// One app registration (same client id and secret) consented in two tenants, behind one endpoint.
const CLIENT_ID = randomUUID();
const SECRET = `Q~tenant-change-${randomUUID()}`;

let first: RunningSimulator;
let second: RunningSimulator;
let front: TenantFront;
let harness: SyncHarness;

const cli = (args: string[]) => runCli(args, { DATABASE_URL: harness.databaseUrl, TEMPORAL_ADDRESS: inject('temporalAddress') });

/** Rows of the connector in every table that holds synced data, tombstones included. */
async function syncedRows(): Promise<Record<string, number>> {
  const tables = await harness.query<{ table_name: string }>(
    `select c.table_name from information_schema.columns c join information_schema.tables t using (table_schema, table_name)
      where c.table_schema = current_schema() and c.column_name = 'connector_id' and t.table_type = 'BASE TABLE'
        and c.table_name not in ('connectors', 'connector_secrets', 'sync_runs') order by 1`,
  );
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = await harness.query<{ n: number }>(`select count(*)::int as n from ${table_name} where connector_id = $1`, [harness.connectorId]);
    counts[table_name] = row!.n;
  }
  return counts;
}

const ids = (sim: RunningSimulator) =>
  new Set((['users', 'groups', 'applications', 'servicePrincipals'] as const).flatMap((s) => (sim.tenant.activeObjects(s) as { id: string }[]).map((o) => o.id)));

beforeAll(async () => {
  // Tenants, not the reports pace, are what this proves: reports at the tests' faster pace on both sides.
  const options = { tlsDir: TEST_TLS_DIR, clientId: CLIENT_ID, clientSecret: SECRET, pageSize: 20, throttling: paceReportsFast() };
  [first, second] = await Promise.all([
    startSimulator({ ...options, seed: 61, users: 45, tenantId: randomUUID() }),
    startSimulator({ ...options, seed: 62, users: 30, tenantId: randomUUID() }),
  ]);
  front = await startTenantFront([first, second]);
  harness = await SyncHarness.start({ tenantId: first.config.tenantId, clientId: CLIENT_ID, clientSecret: SECRET, graphBaseUrl: front.graphBaseUrl, authorityHost: front.authorityHost });
});

afterAll(async () => {
  await harness?.stop();
  await front?.close();
  await Promise.all([first?.close(), second?.close()]);
});

describe('changing the tenant of a connector (issue 12, item 6)', () => {
  it('syncs the first tenant', async () => {
    await harness.sync();
    await expectInventoryMatchesTruth(harness.db, harness.connectorId, first.tenant);
  });

  it('refuses a tenant change over synced data, naming the command that resets, and changes nothing', async () => {
    const before = await syncedRows();
    const refused = await cli(['connector', 'update', harness.connectorId, '--tenant-id', second.config.tenantId]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `entra-sync: connector ${harness.connectorId} holds data synced from tenant ${first.config.tenantId}; changing its tenant would mix two directories, so nothing was changed. ` +
        `Change the tenant and delete its cursors and synced data in one transaction with: entra-sync connector update ${harness.connectorId} --tenant-id ${second.config.tenantId} --reset-data`,
    );
    const [row] = await harness.query<{ tenant_id: string }>('select tenant_id from connectors where id = $1', [harness.connectorId]);
    expect(row!.tenant_id).toBe(first.config.tenantId);
    expect(await syncedRows()).toEqual(before);
    expect(before.delta_cursors).toBe(4);
  });

  it('with --reset-data changes the tenant and deletes every cursor and synced row in the same step', async () => {
    const done = await cli(['connector', 'update', harness.connectorId, '--tenant-id', second.config.tenantId, '--reset-data']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(new RegExp(`reset connector ${harness.connectorId}: deleted \\d+ synced row\\(s\\)`));
    const counts = await syncedRows();
    expect(Object.values(counts).every((n) => n === 0), JSON.stringify(counts)).toBe(true);
    const [row] = await harness.query<{ tenant_id: string }>('select tenant_id from connectors where id = $1', [harness.connectorId]);
    expect(row!.tenant_id).toBe(second.config.tenantId);
  });

  it('the running worker then syncs the second tenant, with nothing of the first', async () => {
    const { summary } = await harness.sync();
    expect(summary.streams.users).toMatchObject({ mode: 'bootstrap' });
    await expectInventoryMatchesTruth(harness.db, harness.connectorId, second.tenant);
    const old = ids(first);
    for (const table of ['users', 'groups', 'applications', 'service_principals']) {
      const rows = await harness.query<{ id: string }>(`select id from ${table} where connector_id = $1`, [harness.connectorId]);
      expect(rows.filter((r) => old.has(r.id)), table).toEqual([]);
    }
    // Every cursor was committed by the run after the reset: none points into the first tenant's rounds.
    const [latest] = await harness.query<{ id: string }>('select max(id) as id from sync_runs where connector_id = $1', [harness.connectorId]);
    const cursors = await harness.query<{ run_id: string }>('select run_id from delta_cursors where connector_id = $1', [harness.connectorId]);
    expect(cursors).toHaveLength(4);
    expect(cursors.every((c) => c.run_id === latest!.id)).toBe(true);
  });

  it('a running worker picks up a changed client id without a restart', async () => {
    const other = randomUUID();
    expect((await cli(['connector', 'update', harness.connectorId, '--client-id', other])).code).toBe(0);
    const failed = await harness.failingSync();
    expect(failed.type).toBe('UnknownApplication');
    expect(failed.message).toContain(`No application with client id ${other} exists in tenant ${second.config.tenantId} (AADSTS700016)`);

    expect((await cli(['connector', 'update', harness.connectorId, '--client-id', CLIENT_ID])).code).toBe(0);
    await harness.sync();
    await expectInventoryMatchesTruth(harness.db, harness.connectorId, second.tenant);
  });

  it('a running worker picks up a changed tenant without a restart', async () => {
    const unknown = randomUUID();
    expect((await cli(['connector', 'update', harness.connectorId, '--tenant-id', unknown, '--reset-data'])).code).toBe(0);
    const failed = await harness.failingSync();
    expect(failed.type).toBe('UnknownTenant');
    expect(failed.message).toContain(`Tenant ${unknown} was not found (AADSTS90002)`);
  });
});
