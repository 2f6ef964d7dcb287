import type { Client } from '@microsoft/microsoft-graph-client';
import { describe, expect, it } from 'vitest';
import { MAX_BATCH_REQUESTS, sendBatch, type BatchRequest } from '../../activities/graph/jsonBatch';
import { fetchListPage, parseListPage } from '../../activities/graph/listPages';

type SubResponse = { id: string; status: number; headers?: Record<string, string>; body?: unknown };
type SentRequest = { id: string; method: string; url: string };

/**
 * A Graph client whose /$batch answers with `answer(round, requests)` and whose plain GETs
 * answer from `pages`; it records what was sent, and `wait` records what sendBatch waited.
 */
function fakeGraph(answer: (round: number, requests: SentRequest[]) => SubResponse[], pages: Record<string, unknown> = {}) {
  const batches: SentRequest[][] = [];
  const gets: string[] = [];
  const waits: number[] = [];
  const client = {
    api: (path: string) => ({
      post: async (body: { requests: SentRequest[] }) => {
        expect(path).toBe('/$batch');
        batches.push(body.requests);
        return { responses: answer(batches.length, body.requests) };
      },
      get: async () => {
        gets.push(path);
        return pages[path];
      },
    }),
  } as unknown as Client;
  const retry = { maxAttempts: 3, wait: async (ms: number) => void waits.push(ms) };
  return { client, retry, batches, gets, waits };
}

const requests = (n: number): BatchRequest[] => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, url: `/servicePrincipals/sp${i}/owners` }));
const ok = (id: string, body: unknown = { value: [] }): SubResponse => ({ id, status: 200, body });

describe('sendBatch', () => {
  it('sends up to 20 GETs as one batch and refuses more (the $batch limit)', async () => {
    const graph = fakeGraph((_, sent) => sent.map((r) => ok(r.id)));
    const results = await sendBatch(graph.client, requests(MAX_BATCH_REQUESTS), graph.retry);
    expect(MAX_BATCH_REQUESTS).toBe(20);
    expect(graph.batches).toEqual([requests(20).map((r) => ({ id: r.id, method: 'GET', url: r.url }))]);
    expect([...results.keys()].sort()).toEqual(requests(20).map((r) => r.id).sort());
    await expect(sendBatch(graph.client, requests(21), graph.retry)).rejects.toThrow(RangeError);
    expect(graph.batches).toHaveLength(1);
  });

  it('sends the 429 and 5xx sub-requests again, alone, after the largest Retry-After among them', async () => {
    const graph = fakeGraph((round, sent) =>
      round === 1
        ? [
            ok('r0', { value: [{ id: 'owner0' }] }),
            { id: 'r1', status: 429, headers: { 'Retry-After': '3' } },
            { id: 'r2', status: 503, headers: { 'retry-after': '7' } },
            { id: 'r3', status: 404, body: { error: { code: 'Request_ResourceNotFound' } } },
          ]
        : sent.map((r) => ok(r.id, { value: [{ id: `owner-of-${r.id}` }] })),
    );
    const results = await sendBatch(graph.client, requests(4), graph.retry);
    expect(graph.waits).toEqual([7_000]);
    expect(graph.batches.map((b) => b.map((r) => r.id))).toEqual([['r0', 'r1', 'r2', 'r3'], ['r1', 'r2']]);
    expect(results.get('r0')).toEqual({ status: 200, body: { value: [{ id: 'owner0' }] } });
    expect(results.get('r1')).toEqual({ status: 200, body: { value: [{ id: 'owner-of-r1' }] } });
    expect(results.get('r2')).toEqual({ status: 200, body: { value: [{ id: 'owner-of-r2' }] } });
    // Not transient: the caller judges it (a 404 means the object went away).
    expect(results.get('r3')).toEqual({ status: 404, body: { error: { code: 'Request_ResourceNotFound' } } });
  });

  it('never retries at once: without Retry-After it backs off, longer each round', async () => {
    const graph = fakeGraph((round, sent) => (round < 3 ? sent.map((r) => ({ id: r.id, status: 429 })) : sent.map((r) => ok(r.id))));
    const results = await sendBatch(graph.client, requests(1), graph.retry);
    expect(results.get('r0')?.status).toBe(200);
    expect(graph.waits).toHaveLength(2);
    expect(graph.waits[0]).toBeGreaterThan(0);
    expect(graph.waits[1]).toBeGreaterThan(graph.waits[0]!);
  });

  it('sends a sub-request the service left unanswered again', async () => {
    const graph = fakeGraph((round, sent) => (round === 1 ? [ok('r0')] : sent.map((r) => ok(r.id))));
    const results = await sendBatch(graph.client, requests(2), graph.retry);
    expect(graph.batches.map((b) => b.map((r) => r.id))).toEqual([['r0', 'r1'], ['r1']]);
    expect([...results.keys()].sort()).toEqual(['r0', 'r1']);
  });

  it('hands back a sub-response nextLink untouched; the caller follows it as a plain GET', async () => {
    const nextLink = 'https://graph.example/v1.0/servicePrincipals/sp0/owners?$skiptoken=abc';
    const graph = fakeGraph(() => [ok('r0', { value: [{ id: 'o1' }], '@odata.nextLink': nextLink })], { [nextLink]: { value: [{ id: 'o2' }] } });
    const results = await sendBatch(graph.client, requests(1), graph.retry);
    expect(graph.gets).toEqual([]);
    const first = parseListPage(results.get('r0')!.body, 'owners');
    expect(first).toEqual({ objects: [{ id: 'o1' }], nextLink });
    const second = await fetchListPage(graph.client, first.nextLink!, 'owners', graph.retry);
    expect(graph.gets).toEqual([nextLink]);
    expect(second).toEqual({ objects: [{ id: 'o2' }], nextLink: undefined });
  });
});
