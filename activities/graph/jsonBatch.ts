import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { MalformedGraphResponse } from './deltaPages';
import { withGraphRetry, type RetryOptions } from './graphRetry';

export const MAX_BATCH_REQUESTS = 20;
const MAX_ROUNDS = 6;

export type BatchRequest = { id: string; url: string };
export type BatchResult = { status: number; body: unknown };

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

function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  const value = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Sends up to 20 GETs as one JSON batch. Each sub-request is throttled on its own: the 429s and
 * 5xx are sent again, alone, after the largest Retry-After among them (exponential backoff when
 * none is given). Other statuses are returned for the caller to judge.
 */
export async function sendBatch(client: Client, requests: BatchRequest[], retry: RetryOptions): Promise<Map<string, BatchResult>> {
  if (requests.length > MAX_BATCH_REQUESTS) throw new RangeError(`a JSON batch holds at most ${MAX_BATCH_REQUESTS} requests`);
  const results = new Map<string, BatchResult>();
  let pending = requests;
  for (let round = 1; pending.length > 0; round++) {
    const body = await withGraphRetry(
      () => client.api('/$batch').post({ requests: pending.map((r) => ({ id: r.id, method: 'GET', url: r.url })) }),
      retry,
    );
    const parsed = BatchResponseSchema.safeParse(body);
    if (!parsed.success) throw new MalformedGraphResponse('$batch', parsed.error.issues[0]?.message ?? 'not a batch response');
    let waitMs = 0;
    const again: BatchRequest[] = [];
    for (const response of parsed.data.responses) {
      const request = pending.find((r) => r.id === response.id);
      if (!request) continue;
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
