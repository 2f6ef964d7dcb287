import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ensureSelfSignedCertificate } from '../../simulator/tls';
import { TEST_TLS_DIR } from './testTls';

/** One POST the receiver got: the validation handshake (token set) or a notification batch. */
export interface ReceivedPost {
  path: string;
  validationToken: string | null;
  contentType: string;
  body: { value: Array<Record<string, unknown>> } | null;
  atMs: number;
}

/** How the receiver answers: the handshake, and notification POSTs (status or hang). */
export interface ReceiverBehaviour {
  handshake: 'echo' | 'wrongToken' | 'status500' | 'json';
  /** Notification answers: a status, or `hang` (never answer) ... */
  answer: number | 'hang';
  /** ... for the next `answerTimes` POSTs, then 202 again (Infinity: for good). */
  answerTimes: number;
  /** Wait this long before answering a notification POST. */
  delayMs: number;
}

/**
 * A subscriber's HTTPS endpoint for the simulator to deliver to, on the test certificate every
 * test process trusts (vitest.config.ts): it answers the handshake and records every POST.
 */
export class NotificationReceiver {
  readonly posts: ReceivedPost[] = [];
  behaviour: ReceiverBehaviour = { handshake: 'echo', answer: 202, answerTimes: Number.POSITIVE_INFINITY, delayMs: 0 };
  private readonly hanging = new Set<() => void>();

  private constructor(private readonly server: https.Server) {}

  /**
   * On a free port, or on `port` (a receiver coming back after an outage); with the test
   * certificate every test process trusts, or with `tls`.
   */
  static async start(port = 0, tls?: { cert: string; key: string }): Promise<NotificationReceiver> {
    const certificate = tls ?? (await ensureSelfSignedCertificate(TEST_TLS_DIR));
    const server = https.createServer({ cert: certificate.cert, key: certificate.key });
    const receiver = new NotificationReceiver(server);
    server.on('request', (request, response) => void receiver.handle(request, response));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/notify'): string {
    return `https://localhost:${this.port}${path}`;
  }

  /** Every change or lifecycle notification received at `path`, in arrival order. */
  notifications(path = '/notify'): Array<Record<string, unknown>> {
    return this.posts.filter((post) => post.path === path && post.body).flatMap((post) => post.body?.value ?? []);
  }

  batches(path = '/notify'): ReceivedPost[] {
    return this.posts.filter((post) => post.path === path && post.body);
  }

  handshakes(): ReceivedPost[] {
    return this.posts.filter((post) => post.validationToken !== null);
  }

  reset(): void {
    this.posts.length = 0;
    this.behaviour = { handshake: 'echo', answer: 202, answerTimes: Number.POSITIVE_INFINITY, delayMs: 0 };
  }

  async close(): Promise<void> {
    for (const release of this.hanging) release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
    const url = new URL(request.url ?? '/', 'https://localhost');
    const token = url.searchParams.get('validationToken');
    const text = Buffer.concat(chunks).toString('utf8');
    this.posts.push({
      path: url.pathname,
      validationToken: token,
      contentType: String(request.headers['content-type'] ?? ''),
      body: token === null && text ? (JSON.parse(text) as ReceivedPost['body']) : null,
      atMs: Date.now(),
    });
    if (token !== null) return this.answerHandshake(token, response);
    const behaviour = this.behaviour;
    const special = behaviour.answerTimes > 0;
    if (special && Number.isFinite(behaviour.answerTimes)) behaviour.answerTimes--;
    if (behaviour.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (special && behaviour.answer === 'hang') {
      // Never answered; the connection goes when the sender gives up or the receiver closes.
      await new Promise<void>((resolve) => {
        this.hanging.add(resolve);
        request.socket.once('close', resolve);
      });
      return;
    }
    response.writeHead(special && typeof behaviour.answer === 'number' ? behaviour.answer : 202).end();
  }

  private answerHandshake(token: string, response: import('node:http').ServerResponse): void {
    switch (this.behaviour.handshake) {
      case 'echo':
        return void response.writeHead(200, { 'content-type': 'text/plain' }).end(token);
      case 'wrongToken':
        return void response.writeHead(200, { 'content-type': 'text/plain' }).end(`${token}-not`);
      case 'json':
        return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(token));
      case 'status500':
        return void response.writeHead(500).end();
    }
  }
}

/** Polls until `check` returns a value (not undefined/false) or the deadline passes. */
export async function eventually<T>(check: () => T | undefined | false, what: string, deadlineMs = 10_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
