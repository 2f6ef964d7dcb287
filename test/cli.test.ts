import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../shared/freePort';
import { spawnWorkerProcess, waitForPoller, type WorkerProcess } from '../client/dev/workerProcess';
import { DEFAULT_GRANTED_PERMISSIONS } from '../simulator/identity/clientApplication';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { syncScheduleId } from '../workflows/ids';
import { fastReportsThrottling, fastReportsWorkerEnv } from './support/fastReports';
import { createTestDatabase } from './support/testDatabase';
import { TEST_TLS_DIR } from './support/testTls';

// Ids of this file only: other files share the Temporal server (and its schedules).
const tag = `cli${randomBytes(3).toString('hex')}`;
const MAIN = `${tag}-main`;
const RESTRICTED = `${tag}-restricted`;
const WRONG = `${tag}-wrong`;
const NOWHERE = `${tag}-nowhere`;
const QUEUE = `${tag}-queue`;
const DROPPED_PERMISSION = 'RoleManagement.Read.Directory';
const WRONG_SECRET = 'Q~wrong-secret-for-the-cli-test-000000000';
const KEY = randomBytes(32).toString('base64');
const UI = 'http://localhost:8233';

let sim: RunningSimulator;
let restricted: RunningSimulator;
let databaseUrl: string;
let worker: WorkerProcess;
let metricsPort: number;
let client: Client;
let connection: Connection;
const transcript: string[] = [];

type Run = { code: number | null; stdout: string; stderr: string };

/** Runs `entra-sync ARGS` as a user would: the package's bin, its own process, input on stdin. */
function cli(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const child = spawn(process.execPath, ['client/cli/bin.mjs', ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: QUEUE,
      TEMPORAL_UI_URL: UI,
      ENTRA_SYNC_ENCRYPTION_KEY: KEY,
      SYNC_ENTRA_INTERVAL: '1h',
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve) =>
    child.once('close', (code) => {
      transcript.push(`$ entra-sync ${args.join(' ')}\n${stdout}${stderr}`);
      resolve({ code, stdout, stderr });
    }),
  );
}

const addConnector = (id: string, target: RunningSimulator, secret: string, extra: string[] = []) =>
  cli(
    ['connector', 'add', id, '--tenant-id', target.config.tenantId, '--client-id', target.config.clientId,
      '--graph-base-url', target.config.graphBaseUrl, '--authority-host', target.config.authorityHost, ...extra],
    { input: `${secret}\n` },
  );

beforeAll(async () => {
  [sim, restricted] = await Promise.all([
    // The CLI, not the reports pace, is what this proves: reports at the tests' faster pace on both sides.
    startSimulator({ tlsDir: TEST_TLS_DIR, seed: 41, users: 120, pageSize: 20, throttling: fastReportsThrottling }),
    startSimulator({ tlsDir: TEST_TLS_DIR, seed: 42, users: 10, grantedPermissions: DEFAULT_GRANTED_PERMISSIONS.filter((p) => p !== DROPPED_PERMISSION), throttling: fastReportsThrottling }),
  ]);
  databaseUrl = await createTestDatabase(inject('postgresUrl'), 'cli');
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  metricsPort = await freePort();
  // The worker gets no client secret: it reads the connectors' secrets from PostgreSQL with the key.
  worker = await spawnWorkerProcess(
    'syncWorker.ts',
    {
      PATH: process.env.PATH,
      NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: QUEUE,
      ENTRA_SYNC_ENCRYPTION_KEY: KEY,
      METRICS_PORT: String(metricsPort),
      METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      ...fastReportsWorkerEnv,
    },
    await mkdtemp(path.join(os.tmpdir(), 'entra-sync-cli-')),
  );
  await waitForPoller(client, 'default', QUEUE, worker);
});

afterAll(async () => {
  for (const id of [MAIN, RESTRICTED, WRONG, NOWHERE]) await client?.schedule.getHandle(syncScheduleId(id)).delete().catch(() => undefined);
  await worker?.stop();
  await connection?.close();
  await Promise.all([sim?.close(), restricted?.close()]);
});

describe('entra-sync CLI, driven as a user would', () => {
  it('adds connectors with the secret from standard input, and never prints it', async () => {
    const added = await addConnector(MAIN, sim, sim.config.clientSecret, ['--interval', '2h']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(new RegExp(`added connector ${MAIN} .*client secret stored encrypted with key [0-9a-f]{16}`));
    for (const [id, target, secret] of [[RESTRICTED, restricted, restricted.config.clientSecret], [WRONG, sim, WRONG_SECRET]] as const) {
      expect((await addConnector(id, target, secret)).code).toBe(0);
    }
    const nowhere = await cli(
      ['connector', 'add', NOWHERE, '--tenant-id', '0badc0de-0000-4000-8000-000000000000', '--client-id', sim.config.clientId,
        '--graph-base-url', sim.config.graphBaseUrl, '--authority-host', sim.config.authorityHost],
      { input: sim.config.clientSecret },
    );
    expect(nowhere.code, nowhere.stderr).toBe(0);

    const again = await addConnector(MAIN, sim, sim.config.clientSecret);
    expect(again).toMatchObject({ code: 1, stderr: `entra-sync: connector ${MAIN} exists already; change it with "entra-sync connector update ${MAIN}"\n` });

    const listed = JSON.parse((await cli(['connector', 'list', '--json'])).stdout) as { id: string; interval: string; secret: { source: string } }[];
    expect(listed.find((c) => c.id === MAIN)).toMatchObject({ interval: '2h', secret: { source: 'stored' } });
    const shown = await cli(['connector', 'show', MAIN]);
    expect(shown.stdout).toMatch(/client secret\s+stored, encrypted with key [0-9a-f]{16}/);
  });

  it('connector test names the permission the app lacks, and passes when all are granted', async () => {
    const lacking = await cli(['connector', 'test', RESTRICTED]);
    expect(lacking.code).toBe(1);
    expect(lacking.stdout).toMatch(new RegExp(`MISSING\\s+${DROPPED_PERMISSION}\\s+GET /roleManagement/directory/roleAssignments`));
    expect(lacking.stdout).toMatch(/granted\s+User\.Read\.All\s+GET \/users/);
    expect(lacking.stdout).toContain(`missing: ${DROPPED_PERMISSION}`);
    expect(lacking.stdout).toContain(`lacks the Microsoft Graph application permission ${DROPPED_PERMISSION}`);

    const json = JSON.parse((await cli(['connector', 'test', RESTRICTED, '--json'])).stdout) as { permissions: { permission: string; status: string }[] };
    // RoleManagement.Read.Directory is also what lets the app read PIM's schedules: without it, those probes fail too.
    expect(json.permissions.filter((p) => p.status !== 'granted')).toEqual([
      expect.objectContaining({ permission: DROPPED_PERMISSION, status: 'missing' }),
      expect.objectContaining({ permission: 'RoleEligibilitySchedule.Read.Directory', status: 'missing' }),
      expect.objectContaining({ permission: 'RoleAssignmentSchedule.Read.Directory', status: 'missing' }),
    ]);

    const full = await cli(['connector', 'test', MAIN]);
    expect(full.code, full.stdout).toBe(0);
    expect(full.stdout).toContain('all permissions granted');
    for (const permission of [
      'User.Read.All',
      'Group.Read.All',
      'Application.Read.All',
      'AppRoleAssignment.Read.All',
      'RoleManagement.Read.Directory',
      'AuditLog.Read.All',
      'PrivilegedEligibilitySchedule.Read.AzureADGroup',
      'PrivilegedAssignmentSchedule.Read.AzureADGroup',
    ]) {
      expect(full.stdout).toMatch(new RegExp(`granted\\s+${permission.replace(/\./g, '\\.')}`));
    }
  });

  it('connector test explains a wrong secret and an unknown tenant in the documented words', async () => {
    const wrong = await cli(['connector', 'test', WRONG]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain(`token    FAILED  InvalidClientSecret: Microsoft Entra rejected the client secret of app ${sim.config.clientId} (AADSTS7000215: invalid client secret).`);
    expect(wrong.stdout).toContain('Value (not its Secret ID)');
    expect(wrong.stderr).toContain(`entra-sync connector update ${WRONG} --secret`);

    const nowhere = await cli(['connector', 'test', NOWHERE]);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stdout).toContain('token    FAILED  UnknownTenant: Tenant 0badc0de-0000-4000-8000-000000000000 was not found (AADSTS90002).');
  });

  it('schedule apply is idempotent, and describe shows interval, SKIP and the catch-up window', async () => {
    const created = await cli(['schedule', 'apply', MAIN]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`schedule ${syncScheduleId(MAIN)} created: every 2h on task queue ${QUEUE}, overlap SKIP, catch-up window 1m`);
    const updated = await cli(['schedule', 'apply', MAIN]);
    expect(updated.stdout).toContain(`schedule ${syncScheduleId(MAIN)} updated: every 2h`);

    const described = JSON.parse((await cli(['schedule', 'describe', MAIN, '--json'])).stdout);
    expect(described).toMatchObject({ scheduleId: syncScheduleId(MAIN), paused: false, intervals: [7_200_000], overlap: 'SKIP', catchupWindowMs: 60_000, taskQueue: QUEUE });
    // The connector's own whole-second offset in each interval, kept by the update, and where
    // Temporal itself places the next runs (epoch + n x interval + offset).
    const [offset] = described.offsetsMs as number[];
    expect(offset! % 1000).toBe(0);
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThan(7_200_000);
    for (const next of described.nextActionTimes as string[]) expect(Date.parse(next) % 7_200_000).toBe(offset);
    const text = await cli(['schedule', 'describe', MAIN]);
    expect(text.stdout).toMatch(/overlap\s+SKIP/);
    expect(text.stdout).toMatch(/interval\s+2h \(at \+\S+ in each\)/);

    expect((await cli(['schedule', 'pause', MAIN])).code).toBe(0);
    expect(JSON.parse((await cli(['schedule', 'describe', MAIN, '--json'])).stdout).paused).toBe(true);
    expect((await cli(['schedule', 'resume', MAIN])).stdout).toContain('resumed');
  });

  it('sync --wait shows progress, then the summary; runs show prints the counts', async () => {
    const synced = await cli(['sync', '--connector', MAIN, '--wait']);
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stderr).toMatch(/phase: (pulling|finalizing|succeeded)/);
    expect(synced.stdout).toMatch(/^sync succeeded in/);
    expect(synced.stdout).toMatch(/users\s+bootstrap\s+upserted 120, removed 0/);

    const runs = JSON.parse((await cli(['runs', 'list', '--connector', MAIN, '--json'])).stdout) as { id: number; status: string; upserted: number }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe('succeeded');
    const shown = await cli(['runs', 'show', String(runs[0]!.id)]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/users\s+bootstrap\s+6\s+6\s+0\s+0\s+120\s+120\s+0/);
    expect(shown.stdout).toMatch(new RegExp(`Temporal UI\\s+${UI}/namespaces/default/workflows/entra-sync-${MAIN}-`));
    const json = JSON.parse((await cli(['runs', 'show', String(runs[0]!.id), '--json'])).stdout);
    expect(json.streams.find((s: { stream: string }) => s.stream === 'users')).toMatchObject({ mode: 'bootstrap', upserted: 120, removed: 0 });
    expect(json.durationMs).toBeGreaterThan(0);
  });

  it('a second sync while one runs is skipped, not doubled', async () => {
    // Holds the run in place, however slow the machine: its users delta page waits unanswered
    // until the hold is removed.
    const hold = sim.faults.add({ pathPrefix: '/v1.0/users/delta', kind: 'hold' });
    const first = await cli(['sync', '--connector', MAIN, '--json']);
    const started = JSON.parse(first.stdout);
    expect(started).toMatchObject({ alreadyRunning: false });
    const second = await cli(['sync', '--connector', MAIN, '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({ alreadyRunning: true, workflowId: started.workflowId, workflowRunId: started.workflowRunId });
    expect(second.stderr).toContain(`a sync of ${MAIN} is already running (${started.workflowId}); skipped`);
    // A third request, with --wait, follows the held run; the hold ends once the schedule has skipped it.
    const following = cli(['sync', '--connector', MAIN, '--wait']);
    const schedule = client.schedule.getHandle(syncScheduleId(MAIN));
    const deadline = Date.now() + 60_000;
    while ((await schedule.describe()).info.numActionsSkippedOverlap < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    sim.faults.remove(hold.id);
    const followed = await following;
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toContain(`workflow ${started.workflowId}`);
    const runs = JSON.parse((await cli(['runs', 'list', '--connector', MAIN, '--json'])).stdout) as unknown[];
    expect(runs).toHaveLength(2);
    const described = JSON.parse((await cli(['schedule', 'describe', MAIN, '--json'])).stdout);
    expect(described.numActionsSkippedOverlap).toBeGreaterThanOrEqual(2);
  });

  it('a run with a wrong secret fails with the documented message', async () => {
    expect((await cli(['schedule', 'apply', WRONG])).code).toBe(0);
    const failed = await cli(['sync', '--connector', WRONG, '--wait']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^sync failed in/);
    expect(failed.stdout).toContain('error InvalidClientSecret: Microsoft Entra rejected the client secret');
    const [run] = JSON.parse((await cli(['runs', 'list', '--connector', WRONG, '--json'])).stdout);
    expect(run).toMatchObject({ status: 'failed', errorKind: 'InvalidClientSecret' });
  });

  it('connector update replaces the secret (read from stdin) and the interval', async () => {
    const updated = await cli(['connector', 'update', WRONG, '--secret', '--interval', '3h'], { input: `${sim.config.clientSecret}\n` });
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toMatch(new RegExp(`^updated connector ${WRONG}; new client secret stored encrypted with key [0-9a-f]{16}`));
    expect(updated.stderr).toContain(`the schedule keeps its old interval until: entra-sync schedule apply ${WRONG}`);
    expect((await cli(['connector', 'test', WRONG])).code).toBe(0);
    expect(JSON.parse((await cli(['connector', 'show', WRONG, '--json'])).stdout)).toMatchObject({ syncIntervalSeconds: 10_800, interval: '3h' });
  });

  it('connector update --tail on starts the tail, tail status shows its passes, runs list --kind tail lists them, --tail off stops it', async () => {
    const on = await cli(['connector', 'update', MAIN, '--tail', 'on', '--tail-interval', '1h']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toContain(`tail of ${MAIN} running (entra-tail-${MAIN}, a pass at least every 1h)`);
    type Status = { tail: string; interval: string; workflow: { running: boolean; status?: { state: string; passes: number; lastPass?: { outcome: string } } } }[];
    let status: Status = [];
    const deadline = Date.now() + 60_000;
    // The tail passes at once when it starts (then every hour).
    while (!(status[0]?.workflow.status?.passes === 1 && status[0].workflow.status.state === 'waiting') && Date.now() < deadline) {
      status = JSON.parse((await cli(['tail', 'status', MAIN, '--json'])).stdout) as Status;
    }
    expect(status[0]).toMatchObject({ tail: 'on', interval: '1h', workflow: { running: true, status: { state: 'waiting', passes: 1, lastPass: { outcome: 'committed' } } } });
    const text = await cli(['tail', 'status', MAIN]);
    expect(text.stdout).toMatch(/last pass\s+#\d+ committed/);
    expect(text.stdout).toMatch(/lag users\s+\d+s/);
    const passes = JSON.parse((await cli(['runs', 'list', '--connector', MAIN, '--kind', 'tail', '--json'])).stdout) as { kind: string; status: string }[];
    expect(passes).toEqual([expect.objectContaining({ kind: 'tail', status: 'succeeded' })]);
    expect((await cli(['runs', 'list', '--connector', MAIN])).stdout).toMatch(/\s+tail\s+succeeded/);

    const off = await cli(['connector', 'update', MAIN, '--tail', 'off']);
    expect(off.stdout).toContain(`tail of ${MAIN} stopping (tail off)`);
    const ended = await client.workflow.getHandle(`entra-tail-${MAIN}`).result();
    expect(ended).toEqual({ passes: 1, stoppedBecause: 'the tail was turned off' });
    expect(JSON.parse((await cli(['tail', 'status', MAIN, '--json'])).stdout)[0]).toMatchObject({ tail: 'off', workflow: { running: false } });
  });

  it('says in one line when PostgreSQL or Temporal cannot be reached', async () => {
    const closed = await freePort();
    const noDb = await cli(['runs', 'list'], { env: { DATABASE_URL: `postgres://entra:hunter2@127.0.0.1:${closed}/inventory` } });
    expect(noDb.code).toBe(1);
    expect(noDb.stderr).toMatch(new RegExp(`^entra-sync: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${closed}/inventory \\(connect ECONNREFUSED [^)]*\\); start it, or point DATABASE_URL at a reachable server\\n$`));
    expect(noDb.stderr).not.toContain('hunter2');

    const noTemporal = await cli(['schedule', 'describe', MAIN], { env: { TEMPORAL_ADDRESS: `127.0.0.1:${closed}` } });
    expect(noTemporal.code).toBe(1);
    expect(noTemporal.stderr).toMatch(
      new RegExp(`^entra-sync: cannot reach Temporal at 127\\.0\\.0\\.1:${closed} \\([^\\n]*\\); start it \\(npm start runs a dev server\\), or set TEMPORAL_ADDRESS to your Temporal frontend\\n$`),
    );
  });

  it('serves the named metrics and health after the runs', async () => {
    const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, worker: 'RUNNING', database: 'ok' });
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(new RegExp(`entra_sync_objects_synced_total\\{connector="${MAIN}",stream="users",change="upserted"\\} 120`));
    expect(text).toMatch(/entra_sync_graph_requests_total\{endpoint="\/users\/delta",method="GET",status="200"\} \d+/);
    expect(text).toContain('# TYPE entra_sync_graph_throttled_requests_total counter');
    expect(text).toMatch(new RegExp(`entra_sync_run_duration_seconds_count\\{connector="${MAIN}",outcome="succeeded",kind="full"\\} 2`));
    expect(text).toMatch(new RegExp(`entra_sync_runs_total\\{connector="${WRONG}",outcome="failed",error_kind="InvalidClientSecret",kind="full"\\} 1`));
    // The Temporal SDK's runtime series, through the same endpoint.
    expect(text).toMatch(/^temporal_[a-z_]+\{.*task_queue="[^"]+".*\} /m);
  });

  it('rotates the encryption key: secrets re-encrypted, readable with the new key alone', async () => {
    const newKey = randomBytes(32).toString('base64');
    const rotated = await cli(['connector', 'rotate-key'], { env: { ENTRA_SYNC_ENCRYPTION_KEY: newKey, ENTRA_SYNC_ENCRYPTION_KEY_PREVIOUS: KEY } });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/^re-encrypted 4 client secret\(s\) with key [0-9a-f]{16}; 0 already used it/);
    expect((await cli(['connector', 'test', MAIN], { env: { ENTRA_SYNC_ENCRYPTION_KEY: newKey } })).code).toBe(0);
    const oldOnly = await cli(['connector', 'test', MAIN]);
    expect(oldOnly.code).toBe(1);
    expect(oldOnly.stderr).toMatch(/^entra-sync: the client secret of connector .* sealed with encryption key [0-9a-f]{16}, which is not among the configured keys/);
  });

  it('leaves the secrets nowhere: not in workflow histories, logs, CLI output or PostgreSQL plaintext', async () => {
    const secrets = [sim.config.clientSecret, restricted.config.clientSecret, WRONG_SECRET];
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const runs = (await db.query<{ workflow_id: string; workflow_run_id: string }>('select workflow_id, workflow_run_id from sync_runs')).rows;
      expect(runs.length).toBeGreaterThanOrEqual(3);
      const histories = await Promise.all(runs.map((r) => client.workflow.getHandle(r.workflow_id, r.workflow_run_id).fetchHistory()));
      const schedules = await Promise.all([MAIN, WRONG].map((id) => client.schedule.getHandle(syncScheduleId(id)).describe()));
      const haystacks = {
        histories: JSON.stringify(histories),
        schedules: JSON.stringify(schedules.map((s) => s.raw)),
        workerLog: await readFile(worker.logFile, 'utf8'),
        cliOutput: transcript.join('\n'),
        postgres: await everyRowAsText(db),
      };
      expect(haystacks.histories).toContain(MAIN); // the histories are real, and readable
      expect(haystacks.workerLog).toContain(`"connectorId":"${MAIN}"`); // logs carry the connector
      for (const [where, text] of Object.entries(haystacks)) {
        for (const secret of secrets) {
          expect(text.includes(secret), `${where} contains a client secret`).toBe(false);
          expect(text.includes(Buffer.from(secret).toString('hex')), `${where} contains a client secret in hex`).toBe(false);
          expect(text.includes(Buffer.from(secret).toString('base64')), `${where} contains a client secret in base64`).toBe(false);
        }
      }
    } finally {
      await db.end();
    }
  });
});

describe('entra-sync migrate and temporal setup', () => {
  it('are idempotent: the schema is current, the namespace and its TenantId search attribute exist after one run', async () => {
    const migrated = await cli(['migrate']);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(/^schema of 127\.0\.0\.1:\d+\/cli_[0-9a-f]+ is up to date/);
    const namespace = `${tag}-namespace`;
    const first = await cli(['temporal', 'setup', '--create-namespace', '--retention-days', '1'], { env: { TEMPORAL_NAMESPACE: namespace } });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`created namespace ${namespace} (retention 1 days)`);
    expect(first.stdout).toContain(`registered search attribute TenantId (Keyword) in namespace ${namespace}`);
    const again = await cli(['temporal', 'setup'], { env: { TEMPORAL_NAMESPACE: namespace } });
    expect(again.stdout).toBe(
      `connected to Temporal at ${inject('temporalAddress')} (plaintext)\nsearch attribute TenantId (Keyword) is registered in namespace ${namespace}\n`,
    );
    const missing = await cli(['schedule', 'describe', MAIN], { env: { TEMPORAL_NAMESPACE: `${tag}-nowhere` } });
    expect(missing.stderr).toBe(
      `entra-sync: namespace "${tag}-nowhere" does not exist on Temporal at ${inject('temporalAddress')}; create it (entra-sync temporal setup --create-namespace) or set TEMPORAL_NAMESPACE\n`,
    );
  });
});

describe('entra-sync connector remove', () => {
  it('asks for --yes without a terminal, then deletes the connector, its secret, data and schedule', async () => {
    const unconfirmed = await cli(['connector', 'remove', WRONG]);
    expect(unconfirmed).toMatchObject({ code: 1, stderr: `entra-sync: removing ${WRONG} deletes its schedule, secret and all its synced data; add --yes to confirm\n` });
    const removed = await cli(['connector', 'remove', WRONG, '--yes']);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await cli(['connector', 'show', WRONG])).stderr).toBe(`entra-sync: no connector ${WRONG}; see entra-sync connector list\n`);
    expect((await cli(['schedule', 'describe', WRONG])).stderr).toBe(
      `entra-sync: no schedule ${syncScheduleId(WRONG)}; create it with: entra-sync schedule apply ${WRONG}\n`,
    );
  });
});

/** Every row of every table of the database, as text. */
async function everyRowAsText(db: pg.Client): Promise<string> {
  const tables = (await db.query<{ name: string }>(`select quote_ident(table_name) as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`)).rows;
  const parts: string[] = [];
  for (const { name } of tables) {
    const { rows } = await db.query<{ text: string | null }>(`select string_agg(t::text, E'\\n') as text from ${name} t`);
    parts.push(rows[0]?.text ?? '');
  }
  return parts.join('\n');
}
