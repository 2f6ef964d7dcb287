import { createHash, timingSafeEqual } from 'node:crypto';

export type BasicCredentials = { username: string; password: string };

/**
 * Whether an Authorization header carries these Basic credentials. Compared as digests in
 * constant time, like the bearer token, so nothing leaks through response times.
 */
export function basicMatches(header: string | undefined, expected: BasicCredentials): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const given = createHash('sha256').update(Buffer.from(match[1]!, 'base64')).digest();
  const wanted = createHash('sha256').update(`${expected.username}:${expected.password}`).digest();
  return timingSafeEqual(given, wanted);
}
