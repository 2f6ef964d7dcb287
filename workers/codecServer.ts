import http from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { bearerMatches } from './bearerToken';

/**
 * The Temporal codec server protocol: POST /encode and /decode with `{ payloads: [...] }`, each
 * payload `{ metadata: { key: base64 }, data: base64 }` (protobuf JSON). The Web UI calls it from
 * the operator's browser, hence CORS for the UI's origins, never for any origin.
 *
 * It holds the payload key, so it answers only requests carrying `authToken` as a bearer token
 * (undefined: no check, allowed on loopback only), and seals payloads (/encode) only when asked
 * to: reading history needs /decode alone.
 */
export type CodecServerOptions = {
  codec: PayloadCodec;
  port: number;
  host: string;
  corsOrigins: string[];
  authToken: string | undefined;
  encode: boolean;
};

type JsonPayload = { metadata?: Record<string, string>; data?: string };

const MAX_BODY_BYTES = 8 * 1024 * 1024;

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export function startCodecServer(options: CodecServerOptions): Promise<http.Server> {
  const problem = misconfiguration(options);
  if (problem) return Promise.reject(new Error(problem));
  const server = http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && options.corsOrigins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'origin');
    }
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
    if (req.method === 'GET' && path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    const served = options.encode ? ['/encode', '/decode'] : ['/decode'];
    if (req.method !== 'POST' || !served.includes(path)) {
      return void res.writeHead(404, { 'content-type': 'text/plain' }).end(`POST ${served.join(' or ')}\n`);
    }
    if (options.authToken !== undefined && !bearerMatches(req.headers.authorization, options.authToken)) {
      return void res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('a bearer token is required\n');
    }
    void handle(options.codec, path, req).then(
      (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      (err: Error) => res.writeHead(400, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function misconfiguration(options: CodecServerOptions): string | undefined {
  if (options.corsOrigins.includes('*')) {
    return "--cors-origin '*' would let any web page decode payloads with the key: name the Web UI's origin(s), e.g. https://temporal-ui.internal";
  }
  if (options.authToken === undefined && !LOOPBACK.has(options.host)) {
    return `listening on ${options.host} without a bearer token would let anyone on the network decode payloads: set ENTRA_SYNC_CODEC_TOKEN, or listen on 127.0.0.1`;
  }
  return undefined;
}

async function handle(codec: PayloadCodec, path: string, req: http.IncomingMessage): Promise<{ payloads: JsonPayload[] }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  let body: { payloads?: JsonPayload[] };
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { payloads?: JsonPayload[] };
  } catch {
    throw new Error('the body is not JSON: expected {"payloads": [...]}');
  }
  if (!Array.isArray(body.payloads)) throw new Error('expected {"payloads": [...]}');
  const payloads = body.payloads.map(fromJson);
  const result = path === '/encode' ? await codec.encode(payloads) : await codec.decode(payloads);
  return { payloads: result.map(toJson) };
}
