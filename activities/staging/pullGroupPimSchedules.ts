import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { FailureKind } from '../../shared/failureKinds';
import { PULLED_STREAMS } from '../../shared/streams';
import type { ActivityDeps } from '../deps';
import type { GraphObject } from '../graph/deltaPages';
import { GRAPH_RETRY_ATTEMPTS } from '../graph/graphRetry';
import { MAX_BATCH_REQUESTS, sendBatch, type BatchObserver, type BatchRequest, type BatchResult } from '../graph/jsonBatch';
import { fetchListPage, parseListPage, type ListPage } from '../graph/listPages';
import { Pacer } from '../graph/pacer';
import { activityWait } from '../activityWait';
import { untilCancelled } from '../untilCancelled';
import { owningRun } from '../owningRun';
import { requireConnector } from '../requireConnector';
import { claimRun } from '../store/runs';
import type { Queryable } from '../store/database';
import { claimStagingLease, underLease } from './stagingLease';
import { finishedPull, recordPull, type PullRecord } from './pullRecords';
import { PIM_LICENCE_CODE } from './pullRoleSchedules';
import { clearDocuments, stageDocuments } from './stageDocuments';
import { planGroupPimReads } from './groupPimPlan';
import { DEFAULT_RECONCILE_FULL_EVERY_MS } from './planTargets';

export const GROUP_PIM_STREAM = 'groupPimSchedules' satisfies keyof typeof PULLED_STREAMS;
export type GroupPimPulled = { staged: number; coverage: 'complete' | 'unavailable' };
type Kind = 'eligible' | 'active';

const COLLECTIONS: Record<Kind, string> = {
  eligible: 'identityGovernance/privilegedAccess/group/eligibilityScheduleInstances',
  active: 'identityGovernance/privilegedAccess/group/assignmentScheduleInstances',
};
/** Only role-assignable groups can hold directory roles, so only their PIM paths lead to one. */
const CANDIDATES = 'groups?$filter=isAssignableToRole eq true&$select=id';
const GROUPS_PER_BATCH = MAX_BATCH_REQUESTS / 2;
/**
 * Sub-requests per second: this pull runs beside the delta pulls (about one resource unit per
 * page each), so it takes under a third (100 of the smallest tenant's 350 resource units per
 * second) of the budget. At 20 per second the 400 sub-requests of a 100,000-user tenant's 200
 * role-assignable groups took 20 s of every run (docs/BENCHMARKS.md).
 */
const SUB_REQUESTS_PER_SECOND = 100;

export const GROUP_PIM_UNLICENSED_REASON =
  'the tenant has no Microsoft Entra ID P2 or Microsoft Entra ID Governance licence, so Microsoft Graph does not list PIM for Groups ' +
  'schedules (eligible and time-bound memberships and ownerships of groups); direct group members are still read from the groups delta';
export const GROUP_PIM_PERMISSION_REASON =
  'the app lacks the Microsoft Graph application permissions PrivilegedEligibilitySchedule.Read.AzureADGroup and ' +
  'PrivilegedAssignmentSchedule.Read.AzureADGroup, so eligible and time-bound memberships of role-assignable groups are not read; ' +
  'grant both with admin consent to see them';

/** A sub-response that failed, with Graph's status and code, as a failed direct call would throw. */
class SubRequestFailed extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

const scoped = (kind: Kind, groupId: string) => `/${COLLECTIONS[kind]}?$filter=groupId eq '${groupId}'&$expand=principal`;

/**
 * PIM for Groups: the eligibility and assignment schedule instances of the role-assignable groups
 * this run reads (all of them after a groups bootstrap; otherwise those the groups delta reported,
 * those never read and the periodic share: groupPimPlan.ts), scoped by `groupId` as Graph
 * requires, 20 requests per JSON batch. A tenant without the licence, or an app without the
 * permissions, ends the pull `unavailable` with the reason. A retried attempt reads its plan's
 * groups again: the set is small (one batch per ten groups).
 */
export async function pullGroupPimSchedules({ db, graph, reconcileFullEveryMs }: ActivityDeps, input: { syncRunId: number; connectorId: string }): Promise<GroupPimPulled> {
  const { syncRunId } = input;
  const ctx = Context.current();
  const owner = owningRun();
  await claimRun(db, syncRunId, owner);
  const finished = await finishedPull(db, syncRunId, GROUP_PIM_STREAM);
  if (finished) return resultOf(finished);
  // From here on no earlier attempt (one Temporal gave up on but still running) writes this staging.
  const lease = await claimStagingLease(db, syncRunId, GROUP_PIM_STREAM, owner);
  if (!lease) return resultOf((await finishedPull(db, syncRunId, GROUP_PIM_STREAM))!);
  const staged = <T>(work: (tx: Queryable) => Promise<T>) => underLease(db, lease, work);
  const connector = await requireConnector(db, input.connectorId);
  const session = await graph.open(connector, PULLED_STREAMS[GROUP_PIM_STREAM].permission);
  const tally = { pages: 0, staged: 0, subRequests: 0, groups: 0 };
  const totals = (): PullRecord => ({ pages: tally.pages, staged: tally.staged, requests: session.traffic.requests, throttled: session.traffic.throttled, subRequests: tally.subRequests });
  const details = () => ({ stream: GROUP_PIM_STREAM, sources: [], state: {}, groups: tally.groups, ...totals() });
  const wait = activityWait(ctx, details);
  const retry = { maxAttempts: GRAPH_RETRY_ATTEMPTS, wait };
  const pacer = new Pacer(SUB_REQUESTS_PER_SECOND, MAX_BATCH_REQUESTS, wait);
  const observer: BatchObserver = {
    posted: (requests) => void (tally.subRequests += requests.length),
    answered: (_request, status) => void (status === 429 && (session.traffic.throttled += 1)),
  };
  const staging = (kind: Kind) => ({ table: 'staged_group_pim_schedules', kindColumn: 'kind', kind }) as const;
  // Whatever an earlier attempt staged may be from another round.
  await staged((tx) => clearDocuments(tx, syncRunId, { table: 'staged_group_pim_schedules' }));

  let listed: string[];
  try {
    listed = await candidateGroups();
  } catch (err) {
    if (err instanceof CancelledFailure || err instanceof ApplicationFailure) throw err;
    throw session.failed(err, CANDIDATES);
  }
  const groups = await planGroupPimReads(db, {
    syncRunId,
    connectorId: input.connectorId,
    listed,
    fullEveryMs: reconcileFullEveryMs ?? DEFAULT_RECONCILE_FULL_EVERY_MS,
    waitOne: wait,
  });
  let what = '$batch';
  try {
    for (let i = 0; i < groups.length; i += GROUPS_PER_BATCH) {
      const chunk = groups.slice(i, i + GROUPS_PER_BATCH);
      const requests: BatchRequest[] = chunk.flatMap((groupId, n) => [
        { id: `e${n}`, url: scoped('eligible', groupId) },
        { id: `a${n}`, url: scoped('active', groupId) },
      ]);
      what = '$batch';
      await pacer.take(requests.length);
      // A cancelled run (another pull failed) stops here rather than after the last batch.
      const answers = await untilCancelled(ctx.cancellationSignal, sendBatch(session.client, requests, retry, observer));
      const read: Array<{ kind: Kind; objects: GraphObject[] }> = [];
      for (const request of requests) {
        what = request.url;
        read.push({ kind: request.id.startsWith('e') ? 'eligible' : 'active', objects: await collect(answers.get(request.id), request.url) });
      }
      // The lease check and the batch's writes are one transaction.
      await staged(async (tx) => {
        for (const { kind, objects } of read) await stageDocuments(tx, syncRunId, staging(kind), objects);
      });
      tally.staged += read.reduce((n, r) => n + r.objects.length, 0);
      tally.groups += chunk.length;
      ctx.heartbeat(details());
    }
  } catch (err) {
    if (err instanceof CancelledFailure || err instanceof ApplicationFailure) throw err;
    const reason = unavailableReason(err);
    if (!reason) throw session.failed(err, what);
    const record: PullRecord = { ...totals(), staged: 0, coverage: 'unavailable', coverageReason: reason };
    await staged(async (tx) => {
      await clearDocuments(tx, syncRunId, { table: 'staged_group_pim_schedules' });
      await recordPull(tx, syncRunId, GROUP_PIM_STREAM, record);
    });
    return resultOf(record);
  }
  const record: PullRecord = { ...totals(), coverage: 'complete' };
  await staged((tx) => recordPull(tx, syncRunId, GROUP_PIM_STREAM, record));
  return resultOf(record);

  /** The ids of every role-assignable group, as Graph lists them now. */
  async function candidateGroups(): Promise<string[]> {
    const ids: string[] = [];
    let link: string | undefined = `${connector.graphBaseUrl}/${CANDIDATES}`;
    while (link) {
      const page: ListPage = await fetchListPage(session.client, link, CANDIDATES, retry);
      tally.pages += 1;
      ids.push(...page.objects.map((g) => g.id));
      link = page.nextLink;
    }
    return ids;
  }

  /** One sub-response and the pages its nextLinks lead to. */
  async function collect(answer: BatchResult | undefined, url: string): Promise<GraphObject[]> {
    if (!answer) throw ApplicationFailure.create({ type: FailureKind.GraphBadResponse, message: `Microsoft Graph's $batch response lacked ${url}` });
    if (answer.status !== 200) {
      const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new SubRequestFailed(answer.status, error?.code ?? null, error?.message ?? `HTTP ${answer.status}`);
    }
    let page = parseListPage(answer.body, url);
    tally.pages += 1;
    const objects = [...page.objects];
    while (page.nextLink) {
      page = await fetchListPage(session.client, page.nextLink, url, retry);
      tally.pages += 1;
      objects.push(...page.objects);
    }
    return objects;
  }
}

/** Graph's answer without the licence (as for PIM for roles), or without the permissions: not a failure of the run. */
function unavailableReason(err: unknown): string | undefined {
  // Only PIM's own answers: the role-assignable groups list needs Group.Read.All, which every run needs.
  if (!(err instanceof SubRequestFailed)) return undefined;
  const e = err;
  if (e.code === PIM_LICENCE_CODE && (e.statusCode === 400 || e.statusCode === 403)) return GROUP_PIM_UNLICENSED_REASON;
  if (e.statusCode === 403 && e.code === 'Authorization_RequestDenied') return GROUP_PIM_PERMISSION_REASON;
  return undefined;
}

function resultOf(record: PullRecord): GroupPimPulled {
  return { staged: record.staged, coverage: record.coverage ?? 'complete' };
}
