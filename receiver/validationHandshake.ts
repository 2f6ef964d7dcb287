import type http from 'node:http';

/** Longer tokens are not Graph's; answering them would only echo an attacker's text. */
const MAX_TOKEN_LENGTH = 1_024;

/**
 * Graph's validation handshake: when a subscription is created (or its URL changes) Graph POSTs
 * to the notification and lifecycle URLs with a `validationToken` query parameter and expects,
 * within 10 seconds, 200 with the decoded token as text/plain. Answered before anything else, with
 * nothing read from PostgreSQL. Returns false when the request is not a handshake.
 */
export function answerValidationHandshake(url: URL, res: http.ServerResponse): boolean {
  if (!url.searchParams.has('validationToken')) return false;
  const token = url.searchParams.get('validationToken') ?? '';
  if (!token || token.length > MAX_TOKEN_LENGTH) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('validationToken is empty or too long\n');
    return true;
  }
  // text/plain and nosniff: the echoed token is never rendered as markup.
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end(token);
  return true;
}
