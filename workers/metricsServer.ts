import http from 'node:http';
import { basicMatches, type BasicCredentials } from './basicAuth';
import { bearerMatches } from './bearerToken';
import type { Registry } from 'prom-client';

export type Health = { ok: boolean; [detail: string]: unknown };

export type MetricsServerOptions = {
  /** Any process's series (the workers' SyncMetrics, the receiver's ReceiverMetrics). */
  metrics: { registry: Registry };
  port: number;
  host: string;
  /** The SDK's own Prometheus endpoint (Runtime telemetry), served here too so one scrape gets both. */
  runtimeMetricsUrl?: string;
  health: () => Promise<Health>;
  /** When set (either or both), /metrics answers only requests that carry one of them. */
  bearerToken?: string;
  basicAuth?: BasicCredentials;
};

const RUNTIME_SCRAPE_TIMEOUT_MS = 2_000;

/**
 * `/metrics` (Prometheus text: entra-sync's series, then the Temporal SDK's) and `/healthz`
 * (200 with `{ ok: true, ... }` when the worker polls and PostgreSQL answers, else 503).
 */
export function startMetricsServer(options: MetricsServerOptions): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return void res.writeHead(405).end();
    if (path === '/metrics') {
      if (!authorized(req.headers.authorization, options)) {
        const challenges = [...(options.bearerToken !== undefined ? ['Bearer'] : []), ...(options.basicAuth ? ['Basic realm="entra-sync metrics"'] : [])];
        return void res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': challenges }).end('credentials are required for /metrics\n');
      }
      void scrape(options).then(
        (text) => res.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
      );
      return;
    }
    if (path === '/healthz') {
      void options.health().then(
        (health) => res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(health)}\n`),
        (err: Error) => res.writeHead(503, { 'content-type': 'application/json' }).end(`${JSON.stringify({ ok: false, error: err.message })}\n`),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics or /healthz\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Open without configured credentials; otherwise any one of them lets the scrape in. */
function authorized(header: string | undefined, options: MetricsServerOptions): boolean {
  if (options.bearerToken === undefined && !options.basicAuth) return true;
  if (options.bearerToken !== undefined && bearerMatches(header, options.bearerToken)) return true;
  return options.basicAuth !== undefined && basicMatches(header, options.basicAuth);
}

async function scrape(options: MetricsServerOptions): Promise<string> {
  const own = await options.metrics.registry.metrics();
  if (!options.runtimeMetricsUrl) return own;
  try {
    const response = await fetch(options.runtimeMetricsUrl, { signal: AbortSignal.timeout(RUNTIME_SCRAPE_TIMEOUT_MS) });
    return `${own}\n${await response.text()}`;
  } catch (err) {
    return `${own}\n# Temporal SDK runtime metrics unavailable: ${(err as Error).message}\n`;
  }
}
