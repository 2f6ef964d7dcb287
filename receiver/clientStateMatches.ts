import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares the clientState a notification echoed with the subscription's in constant time: both
 * are hashed first, so neither the content nor the length of the expected value leaks through
 * timing. A missing clientState never matches.
 */
export function clientStateMatches(received: string | undefined, expected: string): boolean {
  if (received === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(received), digest(expected));
}
