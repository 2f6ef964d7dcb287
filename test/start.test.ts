import { spawn } from 'node:child_process';
import https from 'node:https';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createGeneratedTenantStore } from '../simulator/generate/generator';
import { directMemberships } from '../simulator/tenant/groundTruth';
import { startSimulator } from '../simulator/server';
import { syncScheduleId, tailWorkflowId } from '../workflows/ids';
import { freePort } from '../shared/freePort';
import { createTestDatabase } from './support/testDatabase';
import { TEST_TLS_DIR } from './support/testTls';

// A queue of this file's own: other files' workers on the shared server must not take its runs.
const QUEUE = `start-${process.pid}`;

type Launch = { code: number | null; stdout: string; stderr: string };

/** Runs `npm start -- ARGS` the way a user would, with the suite's Temporal and a fresh database. */
async function launch(
  args: string[],
  env: Record<string, string>,
  whileRunning?: (out: { stdout: () => string; stderr: () => string; kill: () => void }) => Promise<void>,
): Promise<Launch> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'client/main.ts', ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: QUEUE, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await whileRunning?.({ stdout: () => stdout, stderr: () => stderr, kill: () => child.kill('SIGINT') });
  } catch (err) {
    // A timed-out wait says little without what the run printed meanwhile.
    child.kill('SIGINT');
    await exited;
    const logs = await logTails(env.ENTRA_SYNC_DATA_DIR);
    throw new Error(`${(err as Error).message}\n--- npm start's stderr (last 6000 characters) ---\n${stderr.slice(-6000)}${logs}`, { cause: err });
  }
  return { code: await exited, stdout, stderr };
}

/** The end of each process log `npm start` wrote under its data directory (LOG_LEVEL=warn keeps them short). */
async function logTails(dataDir: string | undefined): Promise<string> {
  if (!dataDir) return '';
  const dir = path.join(dataDir, 'logs');
  const names = await readdir(dir).catch(() => [] as string[]);
  const tails = await Promise.all(names.map(async (name) => `\n--- ${name} (last 3000 characters) ---\n${(await readFile(path.join(dir, name), 'utf8')).slice(-3000)}`));
  return tails.join('');
}

/** Polls until `check` holds, failing clearly after a deadline with what `state` then says. */
async function until(check: () => boolean | Promise<boolean>, ms: number, state?: () => unknown): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms / 1000}s${state ? `; state: ${JSON.stringify(await state())}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** POSTs JSON to the demo simulator, whose certificate this test process does not trust. */
function postInsecure(url: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

/** GETs JSON from the demo simulator's control API. */
function getInsecure<T>(url: string): Promise<T> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { rejectUnauthorized: false }, (response) => {
        let text = '';
        response.on('data', (d: Buffer) => (text += d.toString('utf8')));
        response.on('end', () => resolve(JSON.parse(text)));
      })
      .on('error', reject);
  });
}

const scratch = () => mkdtemp(path.join(os.tmpdir(), 'entra-sync-start-'));
const liveUsers = async (url: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query(`select count(*)::int as n from users where deleted_at is null`);
  await client.end();
  return rows[0].n as number;
};

afterAll(async () => {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  await new Client({ connection }).schedule.getHandle(syncScheduleId('default')).delete().catch(() => undefined);
  await new Client({ connection }).workflow.getHandle(tailWorkflowId('default')).terminate('test over').catch(() => undefined);
  await connection.close();
});

describe('npm start', () => {
  it('--once --json syncs the demo tenant and prints a summary whose user count is the tenant size', async () => {
    const databaseUrl = await createTestDatabase(inject('postgresUrl'), 'start');
    const run = await launch(['--once', '--json'], { DATABASE_URL: databaseUrl, ENTRA_SYNC_DATA_DIR: await scratch(), SIMULATOR_USERS: '420', SIMULATOR_SEED: '7', SIMULATOR_PORT: '0' });

    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim());
    expect(summary).toMatchObject({ status: 'succeeded', connectorId: 'default', streams: { users: { mode: 'bootstrap', upserted: 420, removed: 0 } } });
    // The demo tenant is generated from a seed: the same seed here gives the ground truth.
    const { store: truth } = createGeneratedTenantStore({ seed: 7, users: 420 });
    for (const stream of ['groups', 'applications', 'servicePrincipals'] as const) {
      expect(summary.streams[stream], stream).toMatchObject({ mode: 'bootstrap', upserted: truth.activeObjects(stream).length });
    }
    expect(summary.streams.memberships.upserted).toBe(directMemberships(truth).length);
    expect(summary.workflowId).toMatch(/^entra-sync-default-/);
    expect(summary.workflowRunId).toMatch(/^[0-9a-f-]{36}$/);
    expect(summary.durationMs).toBeGreaterThan(0);
    expect(await liveUsers(databaseUrl)).toBe(420);
  });

  it('keeps syncing on its schedule until Ctrl-C, then stops every process it started', async () => {
    const databaseUrl = await createTestDatabase(inject('postgresUrl'), 'start');
    let workerPid = 0;
    const run = await launch([], { DATABASE_URL: databaseUrl, ENTRA_SYNC_DATA_DIR: await scratch(), SIMULATOR_USERS: '50', SIMULATOR_PORT: '0', SYNC_ENTRA_INTERVAL: '1h' }, async ({ stdout, kill }) => {
      const deadline = Date.now() + 90_000;
      while (!stdout().includes('sync succeeded') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      kill();
    });
    workerPid = Number(/pid (\d+)/.exec(run.stderr)?.[1]);

    expect(run.stdout).toContain('sync succeeded');
    expect(run.stdout).toMatch(/users\s+bootstrap\s+upserted 50, removed 0/);
    expect(run.stderr).toContain('syncs every 1h');
    expect(run.code, run.stderr).toBe(130); // 128 + SIGINT, as shells expect, once everything has stopped
    expect(workerPid).toBeGreaterThan(0);
    expect(() => process.kill(workerPid, 0)).toThrow(); // the worker process is gone
  });

  it('delivers change notifications: a user created through the control API lands by a notification-woken pass, with an hour of backstop', async () => {
    const databaseUrl = await createTestDatabase(inject('postgresUrl'), 'start');
    const port = await freePort();
    const displayName = `Notified demo ${process.pid}`;
    const found = async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const user = await client.query<{ kind: string }>(
          `select r.kind from users u join sync_runs r on r.id = u.last_changed_run_id where u.data ->> 'displayName' = $1 and u.deleted_at is null`,
          [displayName],
        );
        const runs = await client.query<{ kind: string; status: string; error: string | null }>(
          `select kind, status, error_kind || ': ' || error_message as error from sync_runs order by id`,
        );
        const receipts = await client.query<{ n: number }>(`select count(*)::int as n from notification_receipts where event = 'changed' and signalled_at is not null`);
        return { landedBy: user.rows[0]?.kind, runs: runs.rows, signalledReceipts: receipts.rows[0]!.n };
      } finally {
        await client.end();
      }
    };
    let outcome: Awaited<ReturnType<typeof found>> | undefined;
    let subscriptions: Array<{ resource: string; notificationUrl: string }> = [];
    let receiverPid = 0;
    // The backstop is an hour: within the test's minute only a notification can wake a pass.
    const env = { DATABASE_URL: databaseUrl, ENTRA_SYNC_DATA_DIR: await scratch(), SIMULATOR_USERS: '50', SIMULATOR_PORT: String(port), SYNC_ENTRA_INTERVAL: '1h', ENTRA_TAIL_INTERVAL: '1h' };
    const run = await launch([], env, async ({ stderr, kill }) => {
      try {
        await until(() => stderr().includes('tail: '), 120_000);
        receiverPid = Number(/receiver: .* \(pid (\d+)/.exec(stderr())?.[1]);
        // The tail subscribed the demo connector to users and groups at the demo's receiver.
        await until(async () => (subscriptions = (await getInsecure<{ subscriptions: typeof subscriptions }>(`https://localhost:${port}/_sim/notifications`)).subscriptions).length >= 2, 60_000);
        const created = await postInsecure(`https://localhost:${port}/_sim/users`, { displayName });
        expect(created, 'control API answer').toBe(201);
        // Graph retries a delivery it deems late (3 s) after 30 s, then 60 s later: room for one retry.
        const deliveries = () => getInsecure<unknown>(`https://localhost:${port}/_sim/notifications/attempts`).catch((err: Error) => err.message);
        await until(async () => (outcome = await found()).landedBy !== undefined, 150_000, async () => ({ outcome, deliveries: await deliveries() }));
      } finally {
        kill();
      }
    });

    expect(run.stderr).toMatch(/receiver: https:\/\/localhost:\d+\/notifications/);
    expect(subscriptions.map((s) => s.resource).sort()).toEqual(['/groups', '/users']);
    expect(subscriptions.every((s) => s.notificationUrl.startsWith('https://localhost:'))).toBe(true);
    expect(outcome?.landedBy, run.stderr).toBe('tail');
    expect(outcome!.signalledReceipts, 'the receiver recorded and signalled the notification').toBeGreaterThan(0);
    // One full run (the first); the user came with a tail pass the notification woke.
    expect(outcome!.runs.filter((r) => r.kind === 'full')).toEqual([{ kind: 'full', status: 'succeeded', error: null }]);
    expect(run.code, run.stderr).toBe(130);
    expect(receiverPid).toBeGreaterThan(0);
    expect(() => process.kill(receiverPid, 0)).toThrow(); // the receiver process is gone with the rest
  }, 360_000);

  it('with ENTRA_* credentials and a wrong secret, fails with the fix and exits non-zero', async () => {
    const sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 5, users: 10 });
    try {
      const secret = 'Q~definitely-not-the-secret-0000000000000';
      const run = await launch(['--once', '--json'], {
        DATABASE_URL: await createTestDatabase(inject('postgresUrl'), 'start'),
        ENTRA_SYNC_DATA_DIR: await scratch(),
        ENTRA_TENANT_ID: sim.config.tenantId,
        ENTRA_CLIENT_ID: sim.config.clientId,
        ENTRA_CLIENT_SECRET: secret,
        ENTRA_GRAPH_BASE_URL: sim.config.graphBaseUrl,
        ENTRA_AUTHORITY_HOST: sim.config.authorityHost,
      });

      expect(run.code).toBe(1);
      const summary = JSON.parse(run.stdout.trim());
      expect(summary.status).toBe('failed');
      expect(summary.error.kind).toBe('InvalidClientSecret');
      expect(summary.error.message).toMatch(/AADSTS7000215.*Value \(not its Secret ID\)/);
      expect(run.stdout + run.stderr).not.toContain(secret);
    } finally {
      await sim.close();
    }
  });

  it('refuses a bad SYNC_ENTRA_INTERVAL before starting anything, showing the accepted form', async () => {
    const run = await launch(['--once'], { SYNC_ENTRA_INTERVAL: 'every 15 minutes' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SYNC_ENTRA_INTERVAL="every 15 minutes" is not a duration; use');
    expect(run.stderr).toContain('1h30m');
  });
});
