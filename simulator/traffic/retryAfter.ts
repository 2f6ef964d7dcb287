/**
 * How the simulator spells Retry-After. Graph sends whole seconds, but clients must also cope
 * with fractions, an HTTP date or no header at all (docs/graph-behaviour.md, "Throttling").
 */
export const RETRY_AFTER_FORMATS = ['seconds', 'fractional', 'httpDate', 'omitted'] as const;

export type RetryAfterFormat = (typeof RETRY_AFTER_FORMATS)[number];

/** The Retry-After header (if any) telling a client to wait at least `waitMs`. */
export function retryAfterHeader(format: RetryAfterFormat, exactWaitMs: number, wallClockNow = Date.now()): Record<string, string> {
  // Drop floating-point dust (4000.0000001 ms), which would otherwise round up a whole unit.
  const waitMs = Math.round(exactWaitMs * 1000) / 1000;
  switch (format) {
    case 'seconds':
      // Rounded up, so a client that waits exactly this long is admitted.
      return { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) };
    case 'fractional':
      return { 'retry-after': String(Math.max(0.001, Math.ceil(waitMs) / 1000)) };
    case 'httpDate': {
      // HTTP dates have whole seconds: name the first whole second at which the wait is over.
      const at = Math.ceil((wallClockNow + waitMs) / 1000) * 1000;
      return { 'retry-after': new Date(at).toUTCString() };
    }
    case 'omitted':
      return {};
  }
}
