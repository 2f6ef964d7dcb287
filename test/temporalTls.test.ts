import { runCli, type CliRun } from './support/cliProcess';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnWorkerProcess, waitForPoller, type WorkerProcess } from '../client/dev/workerProcess';
import { freePort } from '../shared/freePort';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { syncScheduleId } from '../workflows/ids';
import { createTestPki, type TestPki } from './support/testCertificates';
import { fastReportsThrottling, fastReportsWorkerEnv } from './support/fastReports';
import { createTestDatabase } from './support/testDatabase';
import { TEST_TLS_DIR } from './support/testTls';
import { startApiKeyProxy, type ApiKeyProxy } from './support/apiKeyProxy';
import { startTlsProxy, type TlsProxy } from './support/tlsProxy';

// Ids of this file only: other files share the Temporal dev server.
const tag = `tls${randomBytes(3).toString('hex')}`;
const KEY = randomBytes(32).toString('base64');
const API_KEY = `temporal-api-key-${randomBytes(12).toString('hex')}`;

let sim: RunningSimulator;
let databaseUrl: string;
let pki: TestPki;
let stranger: TestPki;
let tlsProxy: TlsProxy;
let mtlsProxy: TlsProxy;
let keyProxy: ApiKeyProxy;
let logDir: string;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];
const connectors: string[] = [];

/** `entra-sync ARGS` in its own process, with only the environment given here (and the test's database and key). */
const cli = (args: string[], env: Record<string, string>, input = '') => runCli(args, { DATABASE_URL: databaseUrl, ENTRA_SYNC_ENCRYPTION_KEY: KEY, ...env }, input);

/** A sync worker in its own process, connected with `env`'s Temporal settings only. */
async function startWorker(name: string, env: Record<string, string>): Promise<WorkerProcess> {
  const worker = await spawnWorkerProcess(
    'syncWorker.ts',
    { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, DATABASE_URL: databaseUrl, ENTRA_SYNC_ENCRYPTION_KEY: KEY, METRICS_PORT: '0', ...fastReportsWorkerEnv, ...env },
    path.join(logDir, name),
  );
  workers.push(worker);
  return worker;
}

/** connector add, schedule apply and sync --wait, all through `env`'s connection; the run must commit. */
async function syncThrough(id: string, env: Record<string, string>): Promise<void> {
  connectors.push(id);
  const added = await cli(
    ['connector', 'add', id, '--tenant-id', sim.config.tenantId, '--client-id', sim.config.clientId, '--graph-base-url', sim.config.graphBaseUrl, '--authority-host', sim.config.authorityHost],
    env,
    `${sim.config.clientSecret}\n`,
  );
  expect(added.code, added.stderr).toBe(0);
  const applied = await cli(['schedule', 'apply', id], env);
  expect(applied.code, applied.stderr).toBe(0);
  const synced = await cli(['sync', '--connector', id, '--wait'], env);
  expect(synced.code, synced.stderr).toBe(0);
  expect(synced.stdout).toMatch(/users\s+bootstrap\s+upserted 25, removed 0/);
  const runs = JSON.parse((await cli(['runs', 'list', '--connector', id, '--json'], env)).stdout) as { status: string }[];
  expect(runs).toMatchObject([{ status: 'succeeded' }]);
}

beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'entra-sync-tls-'));
  logDir = path.join(dir, 'logs');
  [pki, stranger, sim, databaseUrl] = await Promise.all([
    createTestPki(path.join(dir, 'pki'), 'temporal'),
    createTestPki(path.join(dir, 'stranger'), 'stranger'),
    // Connections, not the reports pace, are what this proves: reports at the tests' faster pace on both sides.
    startSimulator({ tlsDir: TEST_TLS_DIR, seed: 16, users: 25, throttling: fastReportsThrottling }),
    createTestDatabase(inject('postgresUrl'), 'tls'),
  ]);
  const server = { target: inject('temporalAddress'), cert: pki.server.cert, key: pki.server.key };
  [tlsProxy, mtlsProxy, keyProxy] = await Promise.all([
    startTlsProxy(server),
    startTlsProxy({ ...server, clientCa: pki.ca.cert }),
    startApiKeyProxy({ ...server, apiKey: API_KEY }),
  ]);
  const migrated = await cli(['migrate'], {});
  expect(migrated.code, migrated.stderr).toBe(0);
  // The test's own view of the server, to see workers poll; plain, straight to the dev server.
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
});

afterAll(async () => {
  for (const id of connectors) await client?.schedule.getHandle(syncScheduleId(id)).delete().catch(() => undefined);
  for (const worker of workers) await worker.stop();
  await connection?.close();
  await Promise.all([tlsProxy?.close(), mtlsProxy?.close(), keyProxy?.close(), sim?.close()]);
});

const tls = () => ({ TEMPORAL_ADDRESS: `localhost:${tlsProxy.port}`, TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca.certPath });
const mtls = () => ({
  TEMPORAL_ADDRESS: `localhost:${mtlsProxy.port}`,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca.certPath,
  TEMPORAL_TLS_CLIENT_CERT_PATH: pki.client.certPath,
  TEMPORAL_TLS_CLIENT_KEY_PATH: pki.client.keyPath,
});

describe('Temporal over TLS, mutual TLS and API keys, through proxies in front of the dev server', () => {
  it('a worker and the CLI connect over TLS with a private CA: temporal setup, schedule apply and a sync that commits', async () => {
    const queue = `${tag}-tls`;
    const worker = await startWorker('tls', { ...tls(), TEMPORAL_TASK_QUEUE: queue });
    await waitForPoller(client, 'default', queue, worker);
    expect(await readFile(worker.logFile, 'utf8')).toContain(`"temporalSecurity":"TLS, CA from ${pki.ca.certPath}"`);

    const setup = await cli(['temporal', 'setup'], tls());
    expect(setup.code, setup.stderr).toBe(0);
    expect(setup.stdout).toContain(`connected to Temporal at localhost:${tlsProxy.port} (TLS, CA from ${pki.ca.certPath})`);
    await syncThrough(`${tag}-tls`, { ...tls(), TEMPORAL_TASK_QUEUE: queue });
  });

  it('over mutual TLS: the worker with certificate files, the CLI with the same PEMs inline', async () => {
    const queue = `${tag}-mtls`;
    const worker = await startWorker('mtls', { ...mtls(), TEMPORAL_TASK_QUEUE: queue });
    await waitForPoller(client, 'default', queue, worker);
    // The variables' _DATA forms, with newlines written as \n as env files need.
    const inline = {
      TEMPORAL_ADDRESS: `localhost:${mtlsProxy.port}`,
      TEMPORAL_TLS_SERVER_CA_CERT_DATA: pki.ca.cert.replace(/\n/g, '\\n'),
      TEMPORAL_TLS_CLIENT_CERT_DATA: pki.client.cert.replace(/\n/g, '\\n'),
      TEMPORAL_TLS_CLIENT_KEY_DATA: pki.client.key.replace(/\n/g, '\\n'),
      TEMPORAL_TASK_QUEUE: queue,
    };
    const setup = await cli(['temporal', 'setup'], inline);
    expect(setup.code, setup.stderr).toBe(0);
    expect(setup.stdout).toContain(`connected to Temporal at localhost:${mtlsProxy.port} (mutual TLS, client certificate from TEMPORAL_TLS_CLIENT_CERT_DATA, CA from TEMPORAL_TLS_SERVER_CA_CERT_DATA)`);
    await syncThrough(`${tag}-mtls`, inline);
  });

  it('with an API key (and no TEMPORAL_TLS: the key turns TLS on), a worker and the CLI sync through a proxy that checks the key', async () => {
    const queue = `${tag}-key`;
    const cloud = { TEMPORAL_ADDRESS: `localhost:${keyProxy.port}`, TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca.certPath, TEMPORAL_API_KEY: API_KEY, TEMPORAL_TASK_QUEUE: queue };
    const worker = await startWorker('api-key', cloud);
    await waitForPoller(client, 'default', queue, worker);
    await syncThrough(`${tag}-key`, cloud);
    expect(await readFile(worker.logFile, 'utf8')).not.toContain(API_KEY);
  });

  it('an API key turns TLS on by itself, is sent as a bearer token, and a wrong or missing one is named; never printed', async () => {
    // A gRPC proxy that, like Temporal Cloud, admits only calls with the key.
    const cloud = { TEMPORAL_ADDRESS: `localhost:${keyProxy.port}`, TEMPORAL_TLS_SERVER_CA_CERT_DATA: pki.ca.cert };
    const setup = await cli(['temporal', 'setup'], { ...cloud, TEMPORAL_API_KEY: API_KEY });
    expect(setup.code, setup.stderr).toBe(0);
    expect(setup.stdout).toContain(`connected to Temporal at localhost:${keyProxy.port} (TLS, CA from TEMPORAL_TLS_SERVER_CA_CERT_DATA, API key)`);
    expect(setup.stdout).toContain('search attribute TenantId (Keyword) is registered in namespace default');

    const WRONG_KEY = `${API_KEY}-revoked`;
    const wrong = await cli(['temporal', 'setup'], { ...cloud, TEMPORAL_API_KEY: WRONG_KEY });
    expect(wrong).toMatchObject({ code: 1, stdout: '' });
    expect(wrong.stderr).toBe(
      `entra-sync: Temporal at localhost:${keyProxy.port} refused the API key in TEMPORAL_API_KEY (UNAUTHENTICATED: Request unauthorized.); it is wrong, expired, revoked or without access to namespace default: create a new API key with access to it and set TEMPORAL_API_KEY\n`,
    );
    const none = await cli(['temporal', 'setup'], cloud);
    expect(none.stderr).toBe(
      `entra-sync: Temporal at localhost:${keyProxy.port} requires credentials (UNAUTHENTICATED: Request unauthorized.); set TEMPORAL_API_KEY (a Temporal Cloud API key), or a client certificate in TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH\n`,
    );
    const worker = await startWorker('wrong-key', { ...cloud, TEMPORAL_API_KEY: WRONG_KEY, TEMPORAL_TASK_QUEUE: `${tag}-never` });
    expect(await worker.exited).toBe(1);
    const workerLog = await readFile(worker.logFile, 'utf8');
    expect(workerLog).toContain(`entra-sync: Temporal at localhost:${keyProxy.port} refused the API key in TEMPORAL_API_KEY (UNAUTHENTICATED: `);
    const printed = [setup, wrong, none].map((r) => `${r.stdout}${r.stderr}`).join('') + workerLog;
    expect(printed).not.toContain(API_KEY);
  });
});

/** `npm start -- ARGS` in its own process, with only the environment given here. */
function launch(args: string[], env: Record<string, string>): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'client/main.ts', ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, LOG_LEVEL: 'warn', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('npm start against a Temporal frontend with mutual TLS', () => {
  it('creates its schedule and syncs the demo tenant through it, its worker on the same connection', async () => {
    // A namespace of its own: the schedule of connector `default` must not meet other files' one.
    const namespace = `${tag}-launch`;
    const setup = await cli(['temporal', 'setup', '--create-namespace', '--retention-days', '1'], { ...mtls(), TEMPORAL_NAMESPACE: namespace });
    expect(setup.code, setup.stderr).toBe(0);
    const run = await launch(['--once', '--json'], {
      ...mtls(),
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: `${tag}-launch`,
      DATABASE_URL: await createTestDatabase(inject('postgresUrl'), 'tlslaunch'),
      ENTRA_SYNC_DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'entra-sync-tls-launch-')),
      SIMULATOR_USERS: '30',
      SIMULATOR_PORT: '0',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ status: 'succeeded', connectorId: 'default', streams: { users: { mode: 'bootstrap', upserted: 30 } } });
  });

  it('refuses TLS settings without TEMPORAL_ADDRESS, since its own dev server is plaintext', async () => {
    const run = await launch(['--once'], { TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca.certPath, ENTRA_SYNC_DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'entra-sync-tls-launch-')) });
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain(
      'entra-sync: TEMPORAL_TLS / TEMPORAL_TLS_* / TEMPORAL_API_KEY are set but TEMPORAL_ADDRESS is not, so npm start would run its own plaintext Temporal dev server; set TEMPORAL_ADDRESS to the frontend those settings are for, or unset them',
    );
  });
});

// Each case waits out a real connection failure (a refused or unanswered connect, a handshake that
// fails), not the CPU: the cases share nothing but the proxies, so they wait side by side.
describe.concurrent('entra-sync temporal setup says which layer failed, and the fix', () => {
  const setupFails = async (env: Record<string, string>): Promise<string> => {
    const run = await cli(['temporal', 'setup'], env);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stderr.split('\n').filter(Boolean), run.stderr).toHaveLength(1);
    return run.stderr;
  };

  it('a CA that did not issue the server certificate', async () => {
    const stderr = await setupFails({ ...tls(), TEMPORAL_TLS_SERVER_CA_CERT_PATH: stranger.ca.certPath });
    expect(stderr).toBe(
      `entra-sync: TLS handshake with Temporal at localhost:${tlsProxy.port} failed: the server's certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate); the CA in TEMPORAL_TLS_SERVER_CA_CERT_PATH (or TEMPORAL_TLS_SERVER_CA_CERT_DATA) did not issue it: point it at the CA certificate that issued the server's certificate\n`,
    );
  });

  it('a server name the certificate does not carry', async () => {
    const stderr = await setupFails({ ...tls(), TEMPORAL_TLS_SERVER_NAME: 'temporal.example' });
    expect(stderr).toContain(`TLS handshake with Temporal at localhost:${tlsProxy.port} failed: its certificate is not valid for the name checked (`);
    expect(stderr).toContain("temporal.example. is not in the cert's altnames: DNS:localhost); set TEMPORAL_TLS_SERVER_NAME to a name the certificate carries");
  });

  it('mutual TLS without a client certificate, and with one from another CA', async () => {
    const { TEMPORAL_TLS_CLIENT_CERT_PATH: _cert, TEMPORAL_TLS_CLIENT_KEY_PATH: _key, ...withoutCertificate } = mtls();
    expect(await setupFails(withoutCertificate)).toBe(
      `entra-sync: Temporal at localhost:${mtlsProxy.port} requires a client certificate (mutual TLS) and refused the connection without one (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: tlsv13 alert certificate required); set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or TEMPORAL_TLS_CLIENT_CERT_DATA and TEMPORAL_TLS_CLIENT_KEY_DATA)\n`,
    );
    const foreign = await setupFails({ ...mtls(), TEMPORAL_TLS_CLIENT_CERT_PATH: stranger.client.certPath, TEMPORAL_TLS_CLIENT_KEY_PATH: stranger.client.keyPath });
    expect(foreign).toMatch(
      new RegExp(`^entra-sync: Temporal at localhost:${mtlsProxy.port} refused this client certificate \\([^)]+\\); use a certificate \\(and its key\\) issued by the CA the server trusts for clients, in TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH\\n$`),
    );
  });

  it('plaintext to a TLS endpoint, and TLS to a plaintext one', async () => {
    expect(await setupFails({ TEMPORAL_ADDRESS: `localhost:${tlsProxy.port}` })).toContain(
      `entra-sync: Temporal at localhost:${tlsProxy.port} did not answer plaintext gRPC (it closed the connection); it probably requires TLS: set TEMPORAL_TLS=true`,
    );
    // By name: grpc-js sends an IP address as the TLS server name, and Node warns about that on stderr.
    const plaintext = inject('temporalAddress').replace('127.0.0.1', 'localhost');
    expect(await setupFails({ TEMPORAL_ADDRESS: plaintext, TEMPORAL_TLS: 'true' })).toContain(
      `entra-sync: Temporal at ${plaintext} does not speak TLS (ERR_SSL_WRONG_VERSION_NUMBER: wrong version number); point TEMPORAL_ADDRESS at its TLS endpoint`,
    );
  });

  it('a host DNS does not know, a port nobody listens on, a namespace that does not exist', async () => {
    expect(await setupFails({ TEMPORAL_ADDRESS: 'temporal.invalid:7233' })).toMatch(
      /^entra-sync: cannot reach Temporal at temporal\.invalid:7233 \(host "temporal\.invalid" not found: (ENOTFOUND|EAI_AGAIN)\); check the host name in TEMPORAL_ADDRESS/,
    );
    const closed = await freePort();
    expect(await setupFails({ TEMPORAL_ADDRESS: `127.0.0.1:${closed}` })).toBe(
      `entra-sync: cannot reach Temporal at 127.0.0.1:${closed} (connection refused: nothing listens on port ${closed}); start it (npm start runs a dev server), or set TEMPORAL_ADDRESS to your Temporal frontend\n`,
    );
    expect(await setupFails({ ...mtls(), TEMPORAL_NAMESPACE: `${tag}-nowhere` })).toBe(
      `entra-sync: namespace "${tag}-nowhere" does not exist on Temporal at localhost:${mtlsProxy.port}; create it (entra-sync temporal setup --create-namespace) or set TEMPORAL_NAMESPACE\n`,
    );
  });

  it('a worker that cannot connect exits with the same explanation', async () => {
    const worker = await startWorker('wrong-ca', { ...tls(), TEMPORAL_TLS_SERVER_CA_CERT_PATH: stranger.ca.certPath, TEMPORAL_TASK_QUEUE: `${tag}-never` });
    expect(await worker.exited).toBe(1);
    expect(await readFile(worker.logFile, 'utf8')).toContain(
      `entra-sync: TLS handshake with Temporal at localhost:${tlsProxy.port} failed: the server's certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate); the CA in TEMPORAL_TLS_SERVER_CA_CERT_PATH`,
    );
  });
});
