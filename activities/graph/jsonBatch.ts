import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { MalformedGraphResponse } from './deltaPages';
import { isGraphError, retryAfterMs } from './graphErrors';
import { withGraphRetry, type RetryOptions } from './graphRetry';

export const MAX_BATCH_REQUESTS = 20;
const MAX_ROUNDS = 6;

export type BatchRequest = { id: string; url: string };
export type BatchResult = { status: number; body: unknown };

/** Sees a batch's traffic as it happens, so callers can say which of their streams caused it. */
export type BatchObserver = {
  /** One HTTP POST carrying these sub-requests; `throttled` when the POST itself was answered 429. */
  posted(requests: BatchRequest[], throttled: boolean): void;
  /** One sub-response, a 429 that will be sent again included. */
  answered(request: BatchRequest, status: number): void;
};

const BatchResponseSchema = z.object({
  responses: z.array(
    z.object({
      id: z.string(),
      status: z.number().int(),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.unknown().optional(),
    }),
  ),
});

/**
 * Sends up to 20 GETs as one JSON batch. Each sub-request is throttled on its own: the 429s and
 * 5xx are sent again, alone, after the largest Retry-After among them (exponential backoff when
 * none is given). Other statuses are returned for the caller to judge.
 */
export async function sendBatch(
  client: Client,
  requests: BatchRequest[],
  retry: RetryOptions,
  observer?: BatchObserver,
): Promise<Map<string, BatchResult>> {
  if (requests.length > MAX_BATCH_REQUESTS) throw new RangeError(`a JSON batch holds at most ${MAX_BATCH_REQUESTS} requests`);
  const results = new Map<string, BatchResult>();
  let pending = requests;
  for (let round = 1; pending.length > 0; round++) {
    const sent = pending;
    const body = await withGraphRetry(async () => {
      try {
        const answer: unknown = await client.api('/$batch').post({ requests: sent.map((r) => ({ id: r.id, method: 'GET', url: r.url })) });
        observer?.posted(sent, false);
        return answer;
      } catch (err) {
        observer?.posted(sent, isGraphError(err) && err.statusCode === 429);
        throw err;
      }
    }, retry);
    const parsed = BatchResponseSchema.safeParse(body);
    if (!parsed.success) throw new MalformedGraphResponse('$batch', parsed.error.issues[0]?.message ?? 'not a batch response');
    let waitMs = 0;
    const again: BatchRequest[] = [];
    for (const response of parsed.data.responses) {
      const request = pending.find((r) => r.id === response.id);
      if (!request) continue;
      observer?.answered(request, response.status);
      const transient = response.status === 429 || response.status >= 500;
      if (transient && round < MAX_ROUNDS) {
        again.push(request);
        waitMs = Math.max(waitMs, retryAfterMs(response.headers) ?? Math.min(60_000, 1_000 * 2 ** (round - 1)));
      } else {
        results.set(response.id, { status: response.status, body: response.body });
      }
    }
    // A sub-request the service left unanswered is sent again too.
    for (const request of pending) if (!results.has(request.id) && !again.includes(request)) again.push(request);
    pending = again;
    if (pending.length > 0) {
      if (round >= MAX_ROUNDS) {
        for (const request of pending) results.set(request.id, { status: 429, body: undefined });
        break;
      }
      await retry.wait(waitMs);
    }
  }
  return results;
}
