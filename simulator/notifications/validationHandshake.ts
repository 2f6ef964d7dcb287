import { randomBytes } from 'node:crypto';
import type { EndpointTrust } from './endpointTrust';

export type HandshakeResult = { ok: true } | { ok: false; reason: 'timedOut' | 'failed'; detail: string };

/**
 * Graph's endpoint validation: POST `{url}?validationToken=…` (the url's own query kept), and
 * the endpoint must answer 200, text/plain, with the decoded token, within the timeout.
 */
export async function validateEndpoint(url: string, timeoutMs: number, trust: EndpointTrust): Promise<HandshakeResult> {
  // Opaque, and with characters that need URL encoding: the endpoint must decode it.
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomBytes(8).toString('hex')}`;
  const target = new URL(url);
  target.searchParams.set('validationToken', token);
  const answer = await trust.post(target.toString(), '', 'text/plain; charset=utf-8', timeoutMs);
  if (answer.kind === 'timedOut') return { ok: false, reason: 'timedOut', detail: `no answer within ${timeoutMs} ms` };
  if (answer.kind === 'failed') return { ok: false, reason: 'failed', detail: answer.error };
  if (answer.status !== 200) return { ok: false, reason: 'failed', detail: `answered ${answer.status}` };
  if (!/^text\/plain\b/i.test(answer.contentType)) return { ok: false, reason: 'failed', detail: `content type ${answer.contentType || 'missing'}` };
  if (answer.body !== token) return { ok: false, reason: 'failed', detail: 'the body is not the decoded validation token' };
  return { ok: true };
}
