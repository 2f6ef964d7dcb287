import http from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../workers/logger';
import type { notificationHandler } from './notificationHandler';

export type NotificationServerOptions = {
  port: number;
  host: string;
  tls?: { certPath: string; keyPath: string };
  handle: ReturnType<typeof notificationHandler>;
  log: Logger;
};

/** Graph's endpoints: where notifications and lifecycle notifications are POSTed. */
export const ENDPOINTS: Record<string, string> = { '/notifications': 'notifications', '/lifecycle': 'lifecycle' };

/**
 * The public side of the receiver: POST /notifications, POST /lifecycle, and GET /healthz (only
 * `{"ok":true}`, for a load balancer). HTTPS when a certificate is given, else HTTP for a TLS
 * proxy in front. Tight header and request timeouts keep slow clients from holding sockets.
 */
export async function startNotificationServer(options: NotificationServerOptions): Promise<http.Server> {
  const listener: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://receiver');
    const endpoint = ENDPOINTS[url.pathname];
    if (endpoint) {
      if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST only\n');
      options.handle(endpoint, url, req, res).catch((err: Error) => {
        options.log.error({ err: err.message, endpoint }, 'notification request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
      });
      return;
    }
    if (url.pathname === '/healthz' && req.method === 'GET') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}\n');
    res.writeHead(404, { 'content-type': 'text/plain' }).end('POST /notifications or /lifecycle\n');
  };
  const server = options.tls
    ? https.createServer({ cert: await readFile(options.tls.certPath), key: await readFile(options.tls.keyPath) }, listener)
    : http.createServer(listener);
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
