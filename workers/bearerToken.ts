import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an Authorization header carries `token` as a bearer token. Compared as digests in
 * constant time, so the token cannot be guessed byte by byte from response times.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = createHash('sha256').update(match[1]!.trim()).digest();
  return timingSafeEqual(given, createHash('sha256').update(token).digest());
}
