import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RunningSimulator } from '../../simulator/server';
import { ensureSelfSignedCertificate } from '../../simulator/tls';
import { TEST_TLS_DIR } from './testTls';

/**
 * One HTTPS origin in front of several single-tenant simulators, as Microsoft Graph and the
 * identity platform serve every tenant at one endpoint: `/{tenant}/...` goes to that tenant's
 * simulator, a Graph request to the tenant of its bearer token (`tid`). Links and issuers in the
 * answers are rewritten to this origin, so a connector sees one Graph endpoint and one authority.
 */
export type TenantFront = { origin: string; graphBaseUrl: string; authorityHost: string; close(): Promise<void> };

export async function startTenantFront(simulators: RunningSimulator[]): Promise<TenantFront> {
  const certificate = await ensureSelfSignedCertificate(TEST_TLS_DIR);
  let origin = '';
  const server = https.createServer({ cert: certificate.cert, key: certificate.key }, (request, response) => {
    void forward(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
  });

  const backendFor = (request: IncomingMessage): RunningSimulator => {
    const first = (request.url ?? '/').split('/')[1]?.toLowerCase() ?? '';
    const byPath = simulators.find((s) => s.tenant.tenantId.toLowerCase() === first || s.tenant.domain.toLowerCase() === first);
    if (byPath) return byPath;
    const tid = tokenTenant(request.headers.authorization);
    return simulators.find((s) => s.tenant.tenantId.toLowerCase() === tid) ?? simulators[0]!;
  };

  async function forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const backend = backendFor(request);
    const body = await readAll(request);
    const headers = { ...request.headers, host: new URL(backend.config.authorityHost).host };
    const answer = await send(new URL(request.url ?? '/', backend.config.authorityHost), request.method ?? 'GET', headers, body);
    const rewrite = (text: string) => text.split(backend.config.authorityHost).join(origin);
    const payload = Buffer.from(rewrite(answer.body.toString('utf8')));
    const outHeaders: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || ['content-length', 'transfer-encoding', 'connection'].includes(name)) continue;
      outHeaders[name] = typeof value === 'string' ? rewrite(value) : value;
    }
    response.writeHead(answer.status, { ...outHeaders, 'content-length': String(payload.length) });
    response.end(payload);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://localhost:${(server.address() as { port: number }).port}`;
  return {
    origin,
    graphBaseUrl: `${origin}/v1.0`,
    authorityHost: origin,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function tokenTenant(authorization: string | undefined): string | undefined {
  const payload = /^Bearer\s+[^.]+\.([^.]+)\./i.exec(authorization ?? '')?.[1];
  if (!payload) return undefined;
  try {
    return String((JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { tid?: string }).tid ?? '').toLowerCase();
  } catch {
    return undefined;
  }
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function send(url: URL, method: string, headers: IncomingMessage['headers'], body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, headers }, (answer) => {
      void readAll(answer).then((data) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: data }), reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}
