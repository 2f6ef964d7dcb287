import http from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';

/**
 * The Temporal codec server protocol: POST /encode and /decode with `{ payloads: [...] }`, each
 * payload `{ metadata: { key: base64 }, data: base64 }` (protobuf JSON). The Web UI calls it from
 * the operator's browser, hence CORS for the UI's origin.
 */
export type CodecServerOptions = { codec: PayloadCodec; port: number; host: string; corsOrigins: string[] };

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
  const server = http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && (options.corsOrigins.includes(origin) || options.corsOrigins.includes('*'))) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'origin');
    }
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
    if (req.method === 'GET' && path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    if (req.method !== 'POST' || (path !== '/encode' && path !== '/decode')) {
      return void res.writeHead(404, { 'content-type': 'text/plain' }).end('POST /encode or /decode\n');
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
