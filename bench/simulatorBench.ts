import { spawn } from 'node:child_process';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Command, InvalidArgumentError } from 'commander';
import { startSimulator } from '../simulator/server';
import { ensureSelfSignedCertificate } from '../simulator/tls';
import type { LoadPlan, LoadResult } from './simulatorBenchLoad';

// Simulator benchmark: generation time and memory of a large tenant, then requests per second
// serving /v1.0/users/delta pages, loopback only and bounded in count and time.
//   npx tsx bench/simulatorBench.ts --users 100000 --seed 7
// The simulator runs in this process; the load (real Graph client, then a raw keep-alive HTTPS
// loop) runs in a child process, so client and server each have a core of their own.

const positiveInteger = (name: string) => (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return parsed;
};

const options = new Command()
  .name('simulator-bench')
  .option('--users <count>', 'users in the generated tenant', positiveInteger('users'), 100_000)
  .option('--seed <number>', 'tenant seed', positiveInteger('seed'), 7)
  .option('--page-size <count>', 'delta page size', positiveInteger('page size'), 100)
  .option('--max-pages <count>', 'cap on pages of the Graph-client round', positiveInteger('max pages'), 5_000)
  .option('--round-seconds <s>', 'time cap of the Graph-client round', positiveInteger('round seconds'), 120)
  .option('--concurrency <n>', 'parallel keep-alive connections of the raw loop', positiveInteger('concurrency'), 8)
  .option('--raw-seconds <s>', 'duration of the raw loop', positiveInteger('raw seconds'), 10)
  .option('--raw-max-requests <n>', 'cap on requests of the raw loop', positiveInteger('raw max requests'), 50_000)
  .option('--charge', 'charge every request to the throttle (limits x1000, so nothing is refused): measures its overhead', false)
  .parse()
  .opts<{
    users: number;
    seed: number;
    pageSize: number;
    maxPages: number;
    roundSeconds: number;
    concurrency: number;
    rawSeconds: number;
    rawMaxRequests: number;
    charge: boolean;
  }>();

const MiB = 1024 * 1024;
const collectGarbage = exposeGc();
const tlsDir = path.resolve('.entra-sync/bench/tls');
const certificate = await ensureSelfSignedCertificate(tlsDir);

collectGarbage();
const before = process.memoryUsage();
const started = performance.now();
const sim = await startSimulator({
  tlsDir,
  users: options.users,
  seed: options.seed,
  pageSize: options.pageSize,
  // Measures serving, not the throttle's verdicts: a 100,000-user round would exceed 8,000 RU / 10 s.
  throttling: options.charge ? { limitMultiplier: 1000 } : false,
});
const generationMs = performance.now() - started;
collectGarbage();
const after = process.memoryUsage();

// Whatever the generator produced, as the control API counts it (its content changes over time).
report('tenant', { seed: options.seed, ...(await getJson(`${sim.config.authorityHost}/_sim/state`, certificate.cert)) });
report('generation', {
  startSimulatorMs: Math.round(generationMs),
  rssMiB: round(after.rss / MiB),
  rssGrowthMiB: round((after.rss - before.rss) / MiB),
  heapUsedMiB: round(after.heapUsed / MiB),
  heapGrowthMiB: round((after.heapUsed - before.heapUsed) / MiB),
  peakRssMiB: round((process.resourceUsage().maxRSS * 1024) / MiB),
});

const plan: LoadPlan = {
  config: sim.config,
  maxPages: options.maxPages,
  roundSeconds: options.roundSeconds,
  concurrency: options.concurrency,
  rawSeconds: options.rawSeconds,
  rawMaxRequests: options.rawMaxRequests,
};
const cpuBefore = process.cpuUsage();
let result: LoadResult;
try {
  result = await runLoad(plan, certificate.certPath);
} finally {
  await sim.close();
}
const cpu = process.cpuUsage(cpuBefore);
const served = result.round.pages + result.raw.requests;
report('graphClientRound', { throttleCharged: options.charge, ...result.round });
report('rawKeepAliveLoop', result.raw);
report('server', {
  cpuSeconds: round((cpu.user + cpu.system) / 1e6),
  cpuMsPerPage: round((cpu.user + cpu.system) / 1000 / Math.max(1, served)),
  rssAfterLoadMiB: round(process.memoryUsage().rss / MiB),
  peakRssMiB: round((process.resourceUsage().maxRSS * 1024) / MiB),
});
report('machine', {
  date: new Date().toISOString(),
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: round(os.totalmem() / 1024 / MiB),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
});

/** Runs the client side in a child process trusting the simulator's certificate; resolves its JSON result. */
function runLoad(loadPlan: LoadPlan, caCertPath: string): Promise<LoadResult> {
  const script = fileURLToPath(new URL('./simulatorBenchLoad.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    // execArgv carries tsx's loader, so the child runs TypeScript too.
    const child = spawn(process.execPath, [...process.execArgv, script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caCertPath },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load process exited with ${code}`));
      try {
        resolve(JSON.parse(output.trim().split('\n').at(-1) ?? '') as LoadResult);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    child.stdin.end(JSON.stringify(loadPlan));
  });
}

/** GET over HTTPS trusting the simulator's certificate (this process has no NODE_EXTRA_CA_CERTS). */
function getJson(url: string, ca: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
      })
      .on('error', reject);
  });
}

/** `gc()` without requiring --expose-gc on the command line. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  return () => gc?.();
}

function report(section: string, values: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ section, ...values })}\n`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
