import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { upsertConnector } from '../activities/store/connectors';
import { createDatabase } from '../activities/store/database';
import { freshClientState, recordSubscription } from '../activities/store/notificationSubscriptions';
import { loadKeyRing } from '../activities/secrets/secretCipher';
import { startEmbeddedPostgres } from '../client/dev/embeddedPostgres';
import { startTemporalDevServer } from '../client/dev/temporalDevServer';
import { migrate } from '../schema/migrate';
import { freePort } from '../shared/freePort';
import { runMain } from '../workers/runMain';
import { wholeNumber } from './optionParsers';

const options = new Command()
  .name('npm run bench:receiver --')
  .description('The notification receiver under load: its own process (npm run receiver) with embedded PostgreSQL and the Temporal dev server.')
  .option('--rate <n>', 'requests per second (one notification each, the worst case: Graph batches)', wholeNumber('rate', 1), 200)
  .option('--seconds <n>', 'how long the load goes on', wholeNumber('seconds', 1), 60)
  .option('--connectors <n>', 'connectors, each with a /users and a /groups subscription', wholeNumber('connectors', 1), 10)
  .option('--duplicate-percent <n>', 'share of requests that resend an earlier notification (Graph retries)', Number, 10)
  .parse()
  .opts<{ rate: number; seconds: number; connectors: number; duplicatePercent: number }>();

type Sub = { subscriptionId: string; connectorId: string; clientState: string };

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'entra-sync-receiver-bench-'));
  await chmod(scratch, 0o755);
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say('starting PostgreSQL and the Temporal dev server ...');
  const postgres = await startEmbeddedPostgres(scratch);
  const temporal = await startTemporalDevServer({ dataDir: path.resolve('.entra-sync'), namespace: 'default', port: await freePort(), headless: true, cliPath: process.env.TEMPORAL_CLI_PATH });
  let receiver: ChildProcess | undefined;
  try {
    await migrate(postgres.url);
    const db = createDatabase(postgres.url);
    const key = randomBytes(32).toString('base64');
    const keys = loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: key })!;
    const subs: Sub[] = [];
    for (let c = 0; c < options.connectors; c++) {
      const connectorId = `bench-${c}`;
      await upsertConnector(db, { id: connectorId, tenantId: 't', clientId: 'c', graphBaseUrl: 'https://g', authorityHost: 'https://a', discoveryEnabled: false });
      for (const resource of ['/users', '/groups']) {
        const sub = { subscriptionId: randomUUID(), connectorId, clientState: freshClientState() };
        await recordSubscription(db, keys, { ...sub, resource, changeTypes: ['updated', 'deleted'], expiresAt: new Date(Date.now() + 86_400_000) }, sub.clientState);
        subs.push(sub);
      }
    }
    const [port, metricsPort] = [await freePort(), await freePort()];
    receiver = spawn(process.execPath, ['--import', 'tsx', 'receiver/main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: postgres.url,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_TASK_QUEUE: 'receiver-bench',
        ENTRA_SYNC_ENCRYPTION_KEY: key,
        RECEIVER_PORT: String(port),
        RECEIVER_HOST: '127.0.0.1',
        RECEIVER_METRICS_PORT: String(metricsPort),
        METRICS_HOST: '127.0.0.1',
        RECEIVER_SPOOL_DIR: path.join(scratch, 'spool'),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor('the receiver', async () => (await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).ok, 60_000);
    say(`receiver up; sending ${options.rate} requests/s for ${options.seconds} s ...`);

    const sent: { sub: Sub; body: string }[] = [];
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    const acceptedIds = new Map<string, Set<string>>();
    const total = options.rate * options.seconds;
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      // Open loop: each request leaves at its scheduled time, whatever the earlier answers took.
      const due = started + (i * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const duplicate = sent.length > 0 && Math.random() * 100 < options.duplicatePercent;
      let item: { sub: Sub; body: string; id: string };
      if (duplicate) {
        const earlier = sent[Math.floor(Math.random() * sent.length)]!;
        item = { ...earlier, id: (JSON.parse(earlier.body) as { value: { id: string }[] }).value[0]!.id };
      } else {
        const sub = subs[i % subs.length]!;
        const id = randomUUID();
        const userId = randomUUID();
        const body = JSON.stringify({
          value: [{ id, subscriptionId: sub.subscriptionId, subscriptionExpirationDateTime: '2026-12-31T00:00:00Z', changeType: 'updated', clientState: sub.clientState, resource: `Users/${userId}`, tenantId: 't', resourceData: { '@odata.type': '#Microsoft.Graph.User', id: userId } }],
        });
        item = { sub, body, id };
        sent.push({ sub, body });
      }
      const t0 = performance.now();
      inFlight.push(
        fetch(`${base}/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: item.body })
          .then(async (response) => {
            await response.arrayBuffer();
            latencies.push(performance.now() - t0);
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            if (response.status === 202) {
              const ids = acceptedIds.get(item.sub.subscriptionId) ?? new Set<string>();
              ids.add(item.id);
              acceptedIds.set(item.sub.subscriptionId, ids);
            }
          })
          .catch(() => {
            statuses.set(0, (statuses.get(0) ?? 0) + 1);
          }),
      );
    }
    await Promise.all(inFlight);
    const elapsed = (performance.now() - started) / 1000;
    const expected = [...acceptedIds.values()].reduce((n, ids) => n + ids.size, 0);
    const counts = async () => {
      const { rows } = await db.query<{ subscriptionId: string; n: number; signalled: number }>(
        `select subscription_id as "subscriptionId", count(*)::int as n, count(signalled_at)::int as signalled from notification_receipts group by subscription_id`,
      );
      return rows;
    };
    await waitFor('every accepted notification recorded and signalled', async () => {
      const rows = await counts();
      return rows.reduce((n, r) => n + r.signalled, 0) >= expected;
    }, 120_000).catch((err: Error) => say(err.message));
    const rows = await counts();
    const mismatched = [...acceptedIds].filter(([id, ids]) => rows.find((r) => r.subscriptionId === id)?.n !== ids.size);
    const recorded = rows.reduce((n, r) => n + r.n, 0);
    const metricsText = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const signals = metricsText.split('\n').find((l) => l.startsWith('entra_sync_receiver_tail_signals_total{result="ok"}'))?.split(' ')[1] ?? '0';
    latencies.sort((a, b) => a - b);
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    console.log(`requests: ${total} in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)}/s), answers ${JSON.stringify(Object.fromEntries(statuses))}`);
    console.log(`answer time: p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(latencies[latencies.length - 1]!)}`);
    console.log(`distinct notifications accepted: ${expected} (${total - sent.length} requests were resends); recorded: ${recorded}; subscriptions whose count differs: ${mismatched.length}`);
    console.log(`every accepted notification recorded once: ${recorded === expected && mismatched.length === 0 ? 'yes' : 'NO'}; tail signals sent: ${signals}`);
    await db.end();
    if (recorded !== expected || mismatched.length) throw new Error('not every accepted notification was recorded exactly once');
  } finally {
    receiver?.kill('SIGTERM');
    await new Promise((r) => (receiver && receiver.exitCode === null ? receiver.once('exit', r) : r(undefined)));
    await temporal.stop();
    await postgres.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

runMain(main);
