import type { Client } from '@microsoft/microsoft-graph-client';
import { ApplicationFailure } from '@temporalio/common';
import { FailureKind } from '../../shared/failureKinds';
import type { GraphObject } from '../graph/deltaPages';
import type { GraphSession } from '../graph/graphSessions';
import type { RetryOptions } from '../graph/graphRetry';
import type { BatchResult } from '../graph/jsonBatch';
import { fetchListPage, parseListPage, type ListPage } from '../graph/listPages';
import type { ReconcileStream, ReconcileTraffic } from './reconcileTraffic';

/** A 404: the object may be gone, or a replica may not have it yet. */
export const NOT_FOUND = 'notFound' as const;
export type Collected = GraphObject[] | typeof NOT_FOUND;

/**
 * Reads what a `$batch` sub-response started: its nextLinks, and direct GETs when a 404 needs a
 * second look. These calls go through a session of their own, one at a time, so the session's
 * counters moved for the call being counted alone while the shard's batches run concurrently.
 */
export class CollectionReader {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly session: GraphSession,
    private readonly retry: RetryOptions,
    private readonly traffic: () => ReconcileTraffic,
  ) {}

  /** One sub-response, with its nextLinks followed; NOT_FOUND when Graph answered 404. */
  async collect(answer: BatchResult | undefined, what: string, stream: ReconcileStream): Promise<Collected> {
    if (!answer) throw ApplicationFailure.create({ type: FailureKind.GraphBadResponse, message: `Microsoft Graph's $batch response lacked ${what}` });
    if (answer.status === 404) return NOT_FOUND;
    if (answer.status !== 200) {
      const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw this.session.failed(Object.assign(new Error(error?.message ?? `HTTP ${answer.status}`), { statusCode: answer.status, code: error?.code ?? null }), what);
    }
    return this.follow(parseListPage(answer.body, what), what, stream);
  }

  /** A collection read directly from its first page. */
  async read(what: string, stream: ReconcileStream): Promise<Collected> {
    const first = await this.counted(stream, what, (client) => fetchListPage(client, what, what, this.retry));
    if (first === NOT_FOUND) return NOT_FOUND;
    this.traffic()[stream].pages += 1;
    return this.follow(first, what, stream);
  }

  /** A Graph call on the reader's session, counted to `stream`; NOT_FOUND on 404, any other failure named and thrown. */
  async counted<T>(stream: ReconcileStream, what: string, call: (client: Client) => Promise<T>): Promise<T | typeof NOT_FOUND> {
    const turn = this.queue.then(async () => {
      const before = { ...this.session.traffic };
      try {
        return await call(this.session.client);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return NOT_FOUND;
        throw this.session.failed(err, what);
      } finally {
        this.traffic()[stream].requests += this.session.traffic.requests - before.requests;
        this.traffic()[stream].throttled += this.session.traffic.throttled - before.throttled;
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** The rest of a collection from its first page, following nextLinks. */
  private async follow(first: ListPage, what: string, stream: ReconcileStream): Promise<Collected> {
    let page = first;
    const objects = [...page.objects];
    while (page.nextLink) {
      const link = page.nextLink;
      const next = await this.counted(stream, what, (client) => fetchListPage(client, link, what, this.retry));
      if (next === NOT_FOUND) return NOT_FOUND;
      page = next;
      this.traffic()[stream].pages += 1;
      objects.push(...page.objects);
    }
    return objects;
  }
}
