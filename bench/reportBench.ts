import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { upsertConnector } from '../activities/store/connectors';
import { createDatabase } from '../activities/store/database';
import { startEmbeddedPostgres } from '../client/dev/embeddedPostgres';
import { launchChromium } from '../client/dev/headlessChromium';
import { startTemporalDevServer } from '../client/dev/temporalDevServer';
import { buildReport } from '../client/report/buildReport';
import { ENV_CONNECTOR_ID } from '../shared/envConnector';
import { freePort } from '../shared/freePort';
import { migrate } from '../schema/migrate';
import { startSimulator } from '../simulator/server';
import { runMain } from '../workers/runMain';
import { EntraSyncWorkflow } from '../workflows';
import { mutateTenant } from './mutateTenant';
import { startBenchWorker } from './benchWorker';
import { wholeNumber } from './optionParsers';

const options = new Command()
  .name('npm run bench:report --')
  .description('Syncs a simulated tenant (a bootstrap, then an incremental after 1% changed), generates the posture report, and opens it in headless Chromium.')
  .option('--users <n>', 'users in the tenant', wholeNumber('users', 1), 10_000)
  .option('--seed <n>', 'tenant seed', wholeNumber('seed', 1), 7)
  .option('--out <file>', 'keep the report here (default: a temporary folder)')
  .option('--screenshot <png>', 'write a screenshot of the top of the report (the README shows docs/report.png)')
  .option('--json', 'print the figures as one line of JSON')
  .parse()
  .opts<{ users: number; seed: number; out?: string; screenshot?: string; json?: boolean }>();

// Scrolls through the page a screen at a time, each step waiting for a painted frame. A string: tsx
// would add helpers to a function's source that the page does not have.
const SCROLL_THROUGH = `(async () => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const begin = performance.now();
  let slowest = 0, steps = 0;
  for (let y = 0; y < document.documentElement.scrollHeight; y += innerHeight) {
    const t = performance.now();
    scrollTo(0, y);
    await frame();
    slowest = Math.max(slowest, performance.now() - t);
    steps += 1;
  }
  return { ms: performance.now() - begin, steps, slowestFrameMs: slowest, heightPx: document.documentElement.scrollHeight };
})()`;

const say = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

runMain(async () => {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'entra-sync-report-bench-'));
  await chmod(scratch, 0o755);
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const sim = await startSimulator({ tlsDir: path.join(scratch, 'tls'), seed: options.seed, users: options.users, throttling: false });
    stops.push(() => sim.close());
    const [postgres, temporal] = await Promise.all([
      startEmbeddedPostgres(scratch, 'bench'),
      freePort().then((port) => startTemporalDevServer({ dataDir: path.resolve('.entra-sync'), namespace: 'default', port, headless: true })),
    ]);
    stops.push(() => postgres.stop(), () => temporal.stop());
    await migrate(postgres.url);
    const db = createDatabase(postgres.url);
    stops.push(() => db.end());
    await upsertConnector(db, { id: ENV_CONNECTOR_ID, ...sim.config, discoveryEnabled: false });
    const { client } = await startBenchWorker({ sim, databaseUrl: postgres.url, temporalAddress: temporal.address, scratch }, stops);
    const sync = async (phase: string) => {
      const started = performance.now();
      await client.workflow.execute(EntraSyncWorkflow, { taskQueue: 'bench', workflowId: `report-bench-${phase}-${Date.now()}`, args: [{ connectorId: ENV_CONNECTOR_ID }] });
      say(`${phase}: synced in ${seconds(performance.now() - started)}`);
    };
    await sync('bootstrap');
    say(`changed ${mutateTenant(sim, 0.01, options.seed)} objects`);
    await sync('incremental');

    const started = performance.now();
    const { html } = await buildReport(db, { connectorId: ENV_CONNECTOR_ID, since: new Date(Date.now() - 30 * 86_400_000), ui: { uiUrl: 'http://localhost:8233', namespace: 'default' } });
    const generateMs = performance.now() - started;
    const file = options.out ? path.resolve(options.out) : path.join(scratch, 'report.html');
    await writeFile(file, html);
    const bytes = Buffer.byteLength(html);
    say(`report: generated in ${seconds(generateMs)}, ${(bytes / 1024 / 1024).toFixed(2)} MiB, ${file}`);

    const chromium = await launchChromium();
    stops.push(() => chromium.close());
    const page = await chromium.browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const opened = performance.now();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const loadMs = performance.now() - opened;
    // Scrolls through the page a screen at a time, each step waiting for a painted frame.
    const scroll = (await page.evaluate(SCROLL_THROUGH)) as { ms: number; steps: number; slowestFrameMs: number; heightPx: number };
    say(`chromium: loaded and drawn in ${seconds(loadMs)}; scrolled ${scroll.heightPx} px in ${scroll.steps} screens in ${seconds(scroll.ms)}, slowest screen ${scroll.slowestFrameMs.toFixed(0)} ms`);
    if (options.screenshot) {
      await page.evaluate('window.scrollTo(0, 0)');
      await mkdir(path.dirname(path.resolve(options.screenshot)), { recursive: true });
      await page.screenshot({ path: path.resolve(options.screenshot) as `${string}.png`, clip: { x: 0, y: 0, width: 1280, height: 1100 } });
      say(`screenshot: ${options.screenshot}`);
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ users: options.users, generateMs: Math.round(generateMs), bytes, chromiumLoadMs: Math.round(loadMs), scroll })}\n`);
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }
});
