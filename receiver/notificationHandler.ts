import type http from 'node:http';
import type { NotificationReceipt } from '../activities/store/notificationReceipts';
import type { Logger } from '../workers/logger';
import { clientStateMatches } from './clientStateMatches';
import { NotificationCollection, type GraphNotification } from './notificationSchema';
import { BodyTooLarge, readBody } from './readBody';
import { receiptOf } from './receipt';
import type { ReceiverMetrics } from './receiverMetrics';
import type { Spool } from './spool';
import type { SubscriptionCache } from './subscriptionCache';
import { answerValidationHandshake } from './validationHandshake';

export type NotificationHandlerOptions = {
  cache: SubscriptionCache;
  spool: Spool;
  metrics: ReceiverMetrics;
  log: Logger;
  maxBodyBytes: number;
};

type Verdict =
  | { status: 202; receipts: NotificationReceipt[] }
  | { status: 400 | 403 | 413 | 503; reason: string; detail?: Record<string, unknown> };

/**
 * POST /notifications and POST /lifecycle: the validation handshake, else a body of
 * notifications. Every notification must name a subscription of ours and echo its clientState; a
 * request with one forged notification is refused whole (403) and nothing of it is recorded.
 * Notifications for subscriptions we do not have are dropped and counted (Graph is answered 202:
 * a retry would not make them ours). What is accepted is spooled (fsync'd) before the 202.
 */
export function notificationHandler(options: NotificationHandlerOptions) {
  return async (endpoint: string, url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const answer = (status: number, body = '') => {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
      options.metrics.requests.inc({ endpoint, status: String(status) });
      options.metrics.answerSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    };
    if (answerValidationHandshake(url, res)) {
      options.metrics.requests.inc({ endpoint, status: String(res.statusCode) });
      return;
    }
    const verdict = await judge(options, req);
    if (verdict.status === 202) {
      try {
        await options.spool.append(verdict.receipts);
      } catch (err) {
        options.log.error({ err: (err as Error).message }, 'cannot write the notification spool; answering 503 so Graph retries');
        return answer(503, 'not recorded; retry\n');
      }
      for (const r of verdict.receipts) options.metrics.accepted.inc({ event: r.event });
      return answer(202);
    }
    if (verdict.status !== 503) options.metrics.refused.inc({ reason: verdict.reason });
    // Never the body: it carries the clientState. Only what identifies the request.
    options.log.warn({ endpoint, status: verdict.status, reason: verdict.reason, remoteAddress: req.socket.remoteAddress, ...verdict.detail }, 'notification request refused');
    answer(verdict.status, `${verdict.reason}\n`);
  };
}

async function judge(options: NotificationHandlerOptions, req: http.IncomingMessage): Promise<Verdict> {
  let body: Buffer;
  try {
    body = await readBody(req, options.maxBodyBytes);
  } catch (err) {
    if (err instanceof BodyTooLarge) return { status: 413, reason: 'body too large', detail: { limitBytes: options.maxBodyBytes } };
    return { status: 400, reason: 'body unreadable' };
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { status: 400, reason: 'body is not JSON' };
  }
  const parsed = NotificationCollection.safeParse(json);
  if (!parsed.success) {
    // Paths and messages only: zod's issues would quote received values.
    return { status: 400, reason: 'body is not a notification collection', detail: { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.code}`) } };
  }
  const receivedAt = new Date();
  const receipts: NotificationReceipt[] = [];
  const unknown: string[] = [];
  for (const n of parsed.data.value) {
    const found = await options.cache.lookup(n.subscriptionId);
    if (found.kind === 'unavailable') {
      return { status: 503, reason: 'subscription store unavailable', detail: { subscriptionId: n.subscriptionId, err: found.error.message } };
    }
    if (found.kind === 'unknown') {
      unknown.push(n.subscriptionId);
      continue;
    }
    if (!clientStateMatches(n.clientState, found.secret.clientState)) {
      return { status: 403, reason: 'clientState does not match', detail: forgedDetail(n, found.secret.connectorId) };
    }
    receipts.push(receiptOf(n, found.secret.connectorId, receivedAt));
  }
  if (unknown.length) {
    options.metrics.dropped.inc({ reason: 'unknownSubscription' }, unknown.length);
    options.log.info({ subscriptionIds: [...new Set(unknown)].slice(0, 10), count: unknown.length }, 'dropped notifications for subscriptions that are not ours');
  }
  return { status: 202, receipts };
}

const forgedDetail = (n: GraphNotification, connectorId: string) => ({
  subscriptionId: n.subscriptionId,
  connectorId,
  clientStatePresent: n.clientState !== undefined,
});
