import https from 'node:https';
import { ClientSecretCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import type { SimulatorConfig } from '../simulator/server';

// Client side of bench/simulatorBench.ts, in a process of its own (it needs NODE_EXTRA_CA_CERTS
// at start). Reads a LoadPlan on stdin, prints one LoadResult JSON line on stdout.

export interface LoadPlan {
  config: SimulatorConfig;
  maxPages: number;
  roundSeconds: number;
  concurrency: number;
  rawSeconds: number;
  rawMaxRequests: number;
}

export interface LoadResult {
  round: { pages: number; objects: number; seconds: number; pagesPerSecond: number; objectsPerSecond: number; complete: boolean };
  raw: {
    requests: number;
    failures: number;
    seconds: number;
    requestsPerSecond: number;
    mebibytesPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    concurrency: number;
  };
}

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

interface DeltaPage {
  value: unknown[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

const plan = JSON.parse(await readStdin()) as LoadPlan;
const credential = new ClientSecretCredential(plan.config.tenantId, plan.config.clientId, plan.config.clientSecret, {
  authorityHost: plan.config.authorityHost,
  disableInstanceDiscovery: true,
});
const client = Client.initWithMiddleware({
  authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] }),
  baseUrl: `${plan.config.authorityHost}/`,
  customHosts: new Set(['localhost']),
});
await client.api('/users/delta?$deltatoken=latest').get(); // warms up: token, connection

const clientRound = await graphClientRound();
const raw = await rawLoop(clientRound.links);
const result: LoadResult = { round: clientRound.summary, raw };
process.stdout.write(`${JSON.stringify(result)}\n`);

/** One users/delta round through the real Graph client, as the connector pages it. */
async function graphClientRound(): Promise<{ summary: LoadResult['round']; links: string[] }> {
  const links: string[] = [];
  const deadline = performance.now() + plan.roundSeconds * 1000;
  const started = performance.now();
  let url = '/users/delta';
  let pages = 0;
  let objects = 0;
  let complete = false;
  while (pages < plan.maxPages && performance.now() < deadline) {
    const page = (await client.api(url).get()) as DeltaPage;
    pages++;
    objects += page.value.length;
    const next = page['@odata.nextLink'];
    if (!next) {
      complete = page['@odata.deltaLink'] !== undefined;
      break;
    }
    links.push(next);
    url = next;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    summary: { pages, objects, seconds: round(seconds), pagesPerSecond: round(pages / seconds), objectsPerSecond: Math.round(objects / seconds), complete },
    links,
  };
}

/** Keep-alive HTTPS GETs of the round's pages, `concurrency` at a time, bounded by time and count. */
async function rawLoop(links: string[]): Promise<LoadResult['raw']> {
  const token = (await credential.getToken(GRAPH_SCOPE)).token;
  const agent = new https.Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const targets = links.length > 0 ? links : [`${plan.config.graphBaseUrl}/users/delta`];
  const durations: number[] = [];
  let bytes = 0;
  let failures = 0;
  let issued = 0;
  const started = performance.now();
  const deadline = started + plan.rawSeconds * 1000;

  const worker = async (): Promise<void> => {
    while (issued < plan.rawMaxRequests && performance.now() < deadline) {
      const target = targets[issued++ % targets.length] as string;
      const sent = performance.now();
      const outcome = await get(agent, target, token);
      durations.push(performance.now() - sent);
      bytes += outcome.bytes;
      if (outcome.status !== 200) failures++;
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  durations.sort((a, b) => a - b);
  const percentile = (p: number) => round(durations[Math.min(durations.length - 1, Math.floor(durations.length * p))] ?? 0);
  return {
    requests: durations.length,
    failures,
    seconds: round(seconds),
    requestsPerSecond: round(durations.length / seconds),
    mebibytesPerSecond: round(bytes / 1024 / 1024 / seconds),
    p50Ms: percentile(0.5),
    p99Ms: percentile(0.99),
    concurrency: plan.concurrency,
  };
}

function get(agent: https.Agent, url: string, token: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
