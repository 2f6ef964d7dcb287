import { Context } from '@temporalio/activity';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { ActivityDeps } from '../deps';
import type { GraphObject } from '../graph/deltaPages';
import { GRAPH_RETRY_ATTEMPTS, type RetryOptions } from '../graph/graphRetry';
import { fetchListPage } from '../graph/listPages';
import { isStalePageLink } from '../graph/stalePageLinks';
import { ReportBudget } from '../graph/reportBudget';
import { activityWait } from '../activityWait';
import { untilCancelled } from '../untilCancelled';
import { requireConnector } from '../requireConnector';
import type { Connector } from '../store/connectors';
import { finishedPull, recordPull, type PullRecord } from './pullRecords';
import { owningRun } from '../owningRun';
import { killPoint } from '../killPoint';
import { claimRun } from '../store/runs';
import type { Queryable } from '../store/database';
import { claimStagingLease, underLease } from './stagingLease';

/** One Graph collection of a stream: its current page link, and its name in errors. */
export type PageSource = {
  what: string;
  link: string;
  /** The link is a nextLink Graph handed out (its page token can go stale), not where the stream starts. */
  next?: boolean;
};

/**
 * Heartbeat details of every pull: where a retried attempt resumes (the current source and
 * page link, then the sources still to read) and what the stream has cost so far. `stream`
 * lets the CLI show a pull's progress without guessing from the link.
 */
export type PullProgress<S> = {
  stream: string;
  sources: PageSource[];
  pages: number;
  staged: number;
  requests: number;
  throttled: number;
  /** What the stream keeps across pages and attempts (delta mode, newest audit event, ...). */
  state: S;
  /** Rounds started over in this pull because Graph refused a stale page link. */
  restarts?: number;
};

export type Page = { objects: GraphObject[]; nextLink?: string; deltaLink?: string };

/** A page request settled: never a rejected promise, so a page requested ahead and then abandoned cannot go unhandled. */
type Fetched = { page: Page } | { error: unknown };

/** Where a fresh attempt starts. */
export type PullStart<S> = { sources: PageSource[]; state: S };

/** What a stream may do about a failed page instead of failing the attempt. */
export type Recovery<S, R> =
  /** Clear staging and read again from these sources: a delta resync. */
  | { restart: { sources: PageSource[]; state: S } }
  /** Stop here, staging nothing, and record this: a source the tenant cannot offer. */
  | { finish: { record: Partial<PullRecord>; result: R } };

/**
 * How to pull one stream page by page into staging. The reader does the rest the same way for
 * every stream: resume from the heartbeat, retry and pace Graph calls, record the pull.
 */
export type PageStream<S, R> = {
  stream: string;
  /** The application permission the stream needs, named when Graph refuses. */
  permission: string;
  /** Reports (audit events, sign-ins) have their own low limit, one for both: paced under it together. */
  pacing?: 'reports';
  /** A fresh attempt: where to start. Staging of an earlier attempt is cleared before the first page is staged. */
  start(connector: Connector, syncRunId: number): Promise<PullStart<S>>;
  /**
   * At the start of a round, while its first page is requested: staging work the first page would
   * otherwise wait for (a bootstrap's next tables). `tx` holds the lease; the first page is staged
   * only after it committed.
   */
  prepare?(tx: Queryable, syncRunId: number, state: S): Promise<void>;
  /** Drops what this stream staged in the run; `tx` holds the attempt's lease (stagingLease.ts). */
  clear(tx: Queryable, syncRunId: number): Promise<void>;
  /** One page; list pages by default. */
  fetch?(client: Client, link: string, what: string, retry: RetryOptions): Promise<Page>;
  /**
   * Stages a page (`number` counts from 1 in the round) through `tx`, which holds the attempt's
   * lease; returns how many objects count as staged. May update `state`.
   */
  stage(tx: Queryable, syncRunId: number, source: PageSource, page: Page, state: S, number: number): Promise<number>;
  recover?(err: unknown, progress: PullProgress<S>, connector: Connector): Promise<Recovery<S, R> | undefined>;
  /** True drops the rest of a source before its next page: an earlier source already read what it would, or later ones need the pages left. */
  skip?(source: PageSource, state: S, progress: PullProgress<S>): boolean;
  /** A stream with a page budget: true ends the pull before the next page, with what it read so far. */
  exhausted?(progress: PullProgress<S>): boolean;
  /** After the last page is staged, before the pull is recorded: work on what the pages built. */
  complete?(syncRunId: number): Promise<void>;
  /** What the run record keeps beyond pages, staged objects and traffic. */
  record?(progress: PullProgress<S>, last: Page): Partial<PullRecord>;
  result(record: PullRecord): R;
};

/** Rounds a pull starts over after stale page links before it gives up and fails. */
const MAX_ROUND_RESTARTS = 2;

/** A retried attempt resumes only from heartbeats of this stream in the reader's own shape. */
function resumable<S>(details: unknown, stream: string): details is PullProgress<S> {
  const d = details as Partial<PullProgress<S>> | undefined;
  return d?.stream === stream && Array.isArray(d.sources) && d.sources.length > 0;
}

/** Runs a stream's pull as an activity: resumable, retried, paced, staged and recorded. */
export async function readPages<S, R>({ db, graph }: ActivityDeps, stream: PageStream<S, R>, input: { syncRunId: number; connectorId: string }): Promise<R> {
  const syncRunId = input.syncRunId;
  const ctx = Context.current();
  const owner = owningRun();
  await claimRun(db, syncRunId, owner);
  const finished = await finishedPull(db, syncRunId, stream.stream);
  if (finished) return stream.result(finished);
  // From here on no earlier attempt of this pull (one Temporal gave up on but still running) writes.
  const lease = await claimStagingLease(db, syncRunId, stream.stream, owner);
  if (!lease) return stream.result((await finishedPull(db, syncRunId, stream.stream))!);
  // Staging work the first page waits for runs while that page is requested (`inBackground`);
  // every later staging transaction starts after it, and fails the attempt if it failed.
  let before: Promise<unknown> = Promise.resolve();
  const staging = <T>(work: (tx: Queryable) => Promise<T>): Promise<T> => before.then(() => underLease(db, lease, work));
  const inBackground = (work: (tx: Queryable) => Promise<void>) => {
    before = staging(work);
    before.catch(() => undefined); // awaited by the next staging transaction, or moot once the attempt failed
  };
  const connector = await requireConnector(db, input.connectorId);
  // The token is fetched while staging is made ready.
  const opening = graph.open(connector, stream.permission);
  opening.catch(() => undefined); // awaited below unless the start fails first
  let progress: PullProgress<S>;
  if (resumable<S>(ctx.info.heartbeatDetails, stream.stream)) {
    progress = ctx.info.heartbeatDetails;
    // A round's first page was never staged: the attempt that heartbeat this may not have finished
    // clearing before it (a wait for Graph heartbeats too), so this one clears again.
    if (progress.pages === 0) inBackground((tx) => stream.clear(tx, syncRunId));
  } else {
    const start = await stream.start(connector, syncRunId);
    // Whatever an earlier attempt staged may be from another round.
    inBackground((tx) => stream.clear(tx, syncRunId));
    progress = { stream: stream.stream, ...start, pages: 0, staged: 0, requests: 0, throttled: 0 };
  }
  // Whether the current round's `prepare` was started.
  let prepared = progress.pages > 0;
  const session = await opening;
  const earlier = { requests: progress.requests, throttled: progress.throttled };
  const current = (): PullProgress<S> => ({
    ...progress,
    // A copy: details may be encoded after the position has moved on.
    sources: progress.sources.map((source) => ({ ...source })),
    requests: earlier.requests + session.traffic.requests,
    throttled: earlier.throttled + session.traffic.throttled,
  });
  const wait = activityWait(ctx, current);
  const retry: RetryOptions = { maxAttempts: GRAPH_RETRY_ATTEMPTS, wait };
  // One budget per app and tenant for every report stream, in whichever worker process it runs.
  const pacer = stream.pacing === 'reports' ? new ReportBudget(db, connector, wait) : undefined;
  const fetch = stream.fetch ?? fetchListPage;
  // Set when staging fails: the page requested ahead is never needed, so it stops retrying
  // rather than outlive the attempt. (Only staging runs while a page is ahead.)
  let abandoned = false;
  const aheadRetry: RetryOptions = {
    ...retry,
    wait: async (ms) => {
      if (abandoned) throw new Error('the pull failed before this page read ahead was needed');
      await wait(ms);
    },
  };
  const request = (source: PageSource, options: RetryOptions): Promise<Fetched> =>
    (async () => {
      await pacer?.take();
      return fetch(session.client, source.link, source.what, options);
    })().then(
      (page) => ({ page }),
      (error: unknown) => ({ error }),
    );
  // The next page, requested while the current one is staged: at most one ahead, so memory stays
  // bounded, and the heartbeat never names it before its predecessor is staged.
  let ahead: Promise<Fetched> | undefined;
  // No heartbeat before the first page: the SDK throttles heartbeats after the first, and a
  // cancellation reaches the activity only with a heartbeat's answer.

  for (;;) {
    if (stream.skip?.(progress.sources[0]!, progress.state, progress)) {
      progress.sources.shift();
      ahead = undefined; // settles on its own (never rejects); its page is not needed
      if (progress.sources.length === 0) return finish({ objects: [] });
      continue;
    }
    if (stream.exhausted?.(progress)) return finish({ objects: [] });
    const source = progress.sources[0]!;
    const requested = ahead ?? request(source, retry);
    if (!prepared && stream.prepare) {
      const state = progress.state;
      inBackground((tx) => stream.prepare!(tx, syncRunId, state));
    }
    prepared = true;
    ahead = undefined;
    let page: Page;
    try {
      const fetched = await untilCancelled(ctx.cancellationSignal, requested);
      if ('error' in fetched) throw fetched.error;
      page = fetched.page;
    } catch (err) {
      const recovery = (await stream.recover?.(err, current(), connector)) ?? (await restartAfterStaleLink(err, source));
      if (recovery) await staging((tx) => stream.clear(tx, syncRunId));
      if (recovery && 'restart' in recovery) {
        progress = { ...progress, ...recovery.restart, pages: 0, staged: 0 };
        prepared = false;
        ctx.heartbeat(current());
        continue;
      }
      if (recovery) {
        const { finish } = recovery;
        await staging((tx) => recordPull(tx, syncRunId, stream.stream, { ...totals(current()), ...finish.record }));
        return recovery.finish.result;
      }
      throw session.failed(err, source.what, source.link);
    }
    // Report pages are paced seconds apart anyway; reading one ahead would only spend the shared budget early.
    const following = pacer ? undefined : followingSource(progress.sources, page);
    if (following) ahead = request(following, aheadRetry);
    try {
      // The lease check and the page's writes are one transaction: no page lands after a reset took the run over.
      const state = progress.state;
      progress.staged += await staging((tx) => stream.stage(tx, syncRunId, source, page, state, progress.pages + 1));
    } catch (err) {
      abandoned = true;
      throw err;
    }
    progress.pages += 1;
    // Only now does the position move on: a resumed attempt starts at a page whose predecessors are all staged.
    if (page.nextLink) {
      source.link = page.nextLink;
      source.next = true;
    } else {
      progress.sources.shift();
      if (progress.sources.length === 0) return finish(page);
    }
    ctx.heartbeat(current());
  }

  async function finish(last: Page): Promise<R> {
    await stream.complete?.(syncRunId);
    const record: PullRecord = { ...totals(current()), ...stream.record?.(progress, last) };
    await staging((tx) => recordPull(tx, syncRunId, stream.stream, record));
    killPoint('pull:afterRecord');
    return stream.result(record);
  }

  /** A stale page link starts the round over from the run's start link (what a fresh attempt reads). */
  async function restartAfterStaleLink(err: unknown, source: PageSource): Promise<Recovery<S, R> | undefined> {
    if (!isStalePageLink(err, source.next === true) || (progress.restarts ?? 0) >= MAX_ROUND_RESTARTS) return undefined;
    const start = await stream.start(connector, syncRunId);
    progress.restarts = (progress.restarts ?? 0) + 1;
    return { restart: start };
  }
}

/** Where the page after `page` comes from: its nextLink, else the next source's first page, else nowhere. */
function followingSource(sources: PageSource[], page: Page): PageSource | undefined {
  if (page.nextLink) return { what: sources[0]!.what, link: page.nextLink, next: true };
  return sources[1];
}

function totals(progress: PullProgress<unknown>): PullRecord {
  const { pages, staged, requests, throttled } = progress;
  return { pages, staged, requests, throttled };
}
