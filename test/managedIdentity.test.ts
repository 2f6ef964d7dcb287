import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { runCli } from './support/cliProcess';
import { paceReportsFast } from './support/fastReports';
import { expectInventoryMatchesTruth } from './support/inventoryTruth';
import { SyncHarness } from './support/syncHarness';
import { TEST_TLS_DIR } from './support/testTls';

let sim: RunningSimulator;
let harness: SyncHarness;

// The host's identity endpoint, as App Service announces it; @azure/identity finds it through these.
const hostEnv = () => ({ IDENTITY_ENDPOINT: sim.config.managedIdentity.endpoint, IDENTITY_HEADER: sim.config.managedIdentity.header });
const cli = (args: string[], env: Record<string, string> = hostEnv()) =>
  runCli(args, { DATABASE_URL: harness.databaseUrl, TEMPORAL_ADDRESS: inject('temporalAddress'), ...env });

beforeAll(async () => {
  // The identity, not the reports pace, is what this proves: reports at the tests' faster pace on both sides.
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 81, users: 25, pageSize: 20, throttling: paceReportsFast() });
  Object.assign(process.env, hostEnv());
  harness = await SyncHarness.start(sim.config);
});

afterAll(async () => {
  await harness?.stop();
  await sim?.close();
});

describe('managed identity (issue 16)', () => {
  it('connector test names the managed identity and proves a token can be had', async () => {
    expect((await cli(['connector', 'update', harness.connectorId, '--managed-identity'])).code).toBe(0);
    const test = await cli(['connector', 'test', harness.connectorId, '--json']);
    expect(test.code, test.stderr).toBe(0);
    expect(JSON.parse(test.stdout)).toMatchObject({ credential: { kind: 'managedIdentity', label: 'user-assigned managed identity' }, token: { ok: true }, ok: true });
  });

  it('syncs with the host’s identity, asking the identity endpoint instead of the token endpoint', async () => {
    sim.requestLog.clear();
    await harness.sync();
    await expectInventoryMatchesTruth(harness.db, harness.connectorId, sim.tenant);
    const paths = sim.requestLog.entries().map((e) => e.path);
    expect(paths.some((p) => p.startsWith('/msi/token?'))).toBe(true);
    expect(paths.some((p) => p.includes('/oauth2/v2.0/token'))).toBe(false);
  });

  it('fails fast, naming the fix, when no identity with that client id is on the host', async () => {
    const other = randomUUID();
    expect((await cli(['connector', 'update', harness.connectorId, '--client-id', other])).code).toBe(0);
    const failed = await harness.failingSync();
    expect(failed.type).toBe('ManagedIdentityUnavailable');
    expect(failed.message).toMatch(new RegExp(`^no managed identity is available to this worker for client id ${other} \\(.*\\); run the worker on an Azure host with that user-assigned identity attached`));
  });
});

/** The identity requests a run or `connector test` made, as the endpoint saw their query. */
const identityRequests = () =>
  sim.requestLog
    .entries()
    .filter((e) => e.path.startsWith('/msi/token?'))
    .map((e) => new URL(e.path, 'https://host').searchParams);

describe('system-assigned managed identity (issue 33)', () => {
  it('connector test names it, and its token request names no identity', async () => {
    expect((await cli(['connector', 'update', harness.connectorId, '--client-id', sim.config.clientId, '--system-assigned-identity'])).code).toBe(0);
    sim.requestLog.clear();
    const test = await cli(['connector', 'test', harness.connectorId, '--json']);
    expect(test.code, test.stderr).toBe(0);
    expect(JSON.parse(test.stdout)).toMatchObject({ credential: { kind: 'systemAssignedIdentity', label: 'system-assigned managed identity' }, token: { ok: true }, ok: true });
    const requests = identityRequests();
    expect(requests.length).toBeGreaterThan(0);
    for (const query of requests) for (const name of ['client_id', 'object_id', 'mi_res_id']) expect(query.has(name), name).toBe(false);
    const human = await cli(['connector', 'test', harness.connectorId]);
    expect(human.stdout).toContain('credential  system-assigned managed identity');
  });

  it('fails fast, naming the fix, on a host without a system-assigned identity', async () => {
    // Before any run of this process used the system-assigned identity: MSAL keeps a managed
    // identity's token process-wide, and a cached token would never ask the host.
    sim.config.managedIdentity.systemAssigned = false;
    try {
      const failed = await harness.failingSync();
      expect(failed.type).toBe('ManagedIdentityUnavailable');
      expect(failed.message).toMatch(/^no system-assigned managed identity is available to this worker \(.*\); turn on the system-assigned identity of the Azure host/);
    } finally {
      sim.config.managedIdentity.systemAssigned = true;
    }
  });

  it('syncs with the host’s own identity', async () => {
    sim.requestLog.clear();
    await harness.sync();
    await expectInventoryMatchesTruth(harness.db, harness.connectorId, sim.tenant);
    expect(identityRequests().length).toBeGreaterThan(0);
    expect(identityRequests().every((q) => !q.has('client_id'))).toBe(true);
    expect(sim.requestLog.entries().some((e) => e.path.includes('/oauth2/v2.0/token'))).toBe(false);
  });
});
