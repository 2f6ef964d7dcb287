import type { GraphError } from '@microsoft/microsoft-graph-client';
import { isGraphError, retryAfterMs } from './graphErrors';

/** Tries per Graph call inside one activity attempt; Temporal's activity retries come on top. */
export const GRAPH_RETRY_ATTEMPTS = 8;

export type RetryOptions = {
  maxAttempts: number;
  /** Waits, heartbeating meanwhile; rejects when the activity is cancelled. */
  wait: (ms: number) => Promise<void>;
  baseDelayMs?: number;
  maxDelayMs?: number;
};

/** Throttling, 5xx, connection failures and unreadable bodies pass with time; the rest do not. */
export function isRetryableGraphError(err: GraphError): boolean {
  const s = err.statusCode;
  if (s === 429 || s >= 500 || s <= 0) return true;
  return s >= 200 && s < 300; // a 2xx that failed anyway: truncated or malformed body
}

/**
 * Runs one Graph call, waiting out throttling as Graph asks (Retry-After, else exponential
 * backoff with jitter; never an immediate retry) and giving up after maxAttempts.
 */
export async function withGraphRetry<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const base = options.baseDelayMs ?? 1_000;
  const cap = options.maxDelayMs ?? 60_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isGraphError(err) || !isRetryableGraphError(err) || attempt >= options.maxAttempts) throw err;
      const backoff = Math.min(cap, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await options.wait(retryAfterMs(err.headers) ?? backoff);
    }
  }
}
