import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from '../deps';
import { findConnector, type Connector } from '../store/connectors';
import type { Queryable } from '../store/database';
import { markLifecycleHandled, openLifecycleEvents } from '../store/notificationReceipts';
import { saveNotificationStatus, type NotificationState } from '../store/notificationStatus';
import {
  deleteSubscriptionRecord,
  freshClientState,
  recordSubscription,
  renewSubscriptionRecord,
  subscriptionsOfConnector,
  type NotificationSubscription,
} from '../store/notificationSubscriptions';
import type { KeyRing } from '../secrets/secretCipher';
import type { NotificationUrls } from '../../shared/notificationUrls';
import { SubscriptionApi, type GraphSubscription } from './subscriptionApi';
import {
  CHANGE_TYPE,
  CHECK_EVERY_SECONDS,
  RENEW_WHEN_LEFT_MS,
  REQUESTED_LIFETIME_MS,
  RETRY_UNAVAILABLE_SECONDS,
  sameResource,
  WATCHED_RESOURCES,
} from './subscriptionPolicy';
import { createRefused, upkeepRefused } from './subscriptionProblems';

/** The worker's notification settings: ENTRA_NOTIFICATION_URL and the key ring that seals clientStates. */
export type NotificationDeps = {
  urls: NotificationUrls;
  keys: KeyRing;
  /** How often the manager looks at Graph (default CHECK_EVERY_SECONDS); tests shorten it. */
  checkEverySeconds?: number;
};

export type ManageSubscriptionsInput = {
  connectorId: string;
  /** The tail is ending (tail off, connector disabled or removed): delete what the connector has. */
  ending?: boolean;
};

/** Small on purpose: it goes into the tail's history. Never a clientState. */
export type ManageSubscriptionsResult = {
  state: NotificationState;
  /** When to look again, in seconds. */
  nextCheckInSeconds: number;
  /** A subscription the connector had was gone and was created again: notifications between may be lost, so a pass should run. */
  recreated: boolean;
};

const PERMISSION = 'User.Read.All and Group.Read.All (change-notification subscriptions)';

/**
 * A connector's Graph subscriptions, brought to what its tail needs (docs/notifications.md,
 * "Subscriptions"): for users and groups while the tail is on and ENTRA_NOTIFICATION_URL is set,
 * none otherwise. Reads the connector's records and Graph's list, then creates what is missing,
 * renews what runs out within RENEW_WHEN_LEFT_MS, reauthorizes on an open reauthorizationRequired,
 * recreates what Graph no longer has, and deletes what is not wanted.
 */
export function manageSubscriptionsActivity(deps: ActivityDeps) {
  return async function manageSubscriptions(input: ManageSubscriptionsInput): Promise<ManageSubscriptionsResult> {
    const { db } = deps;
    const connector = await findConnector(db, input.connectorId);
    // A removed connector's records went with its row (`connector remove` stops the tail first, which deletes them in Graph).
    const checkEvery = deps.notifications?.checkEverySeconds ?? CHECK_EVERY_SECONDS;
    if (!connector) return { state: 'off', nextCheckInSeconds: checkEvery, recreated: false };
    const tail = await db.query<{ tailEnabled: boolean }>('select tail_enabled as "tailEnabled" from connectors where id = $1', [connector.id]);
    const offReason = input.ending
      ? !connector.enabled
        ? 'the connector is disabled'
        : 'the tail is off'
      : !connector.enabled
        ? 'the connector is disabled'
        : !tail.rows[0]?.tailEnabled
          ? 'the tail is off'
          : !deps.notifications
            ? 'ENTRA_NOTIFICATION_URL is not set on the sync worker: the tail runs on its backstop timer alone'
            : undefined;
    try {
      if (offReason !== undefined) return await removeAll(deps, connector, offReason);
      return await keepWanted(deps, deps.notifications!, connector);
    } catch (err) {
      // A credential that does not work is the operator's to fix: say so where they look, and try again later.
      if (!(err instanceof ApplicationFailure) || !err.nonRetryable) throw err;
      if (offReason !== undefined) {
        // Not wanted, and Graph cannot be told: the records go anyway, so the receiver drops their
        // notifications instead of waking a tail that would only end again.
        for (const record of await subscriptionsOfConnector(db, connector.id)) await deleteSubscriptionRecord(db, record.subscriptionId);
        await handleAllOpen(db, connector.id);
      }
      const retryAt = new Date(Date.now() + RETRY_UNAVAILABLE_SECONDS * 1000);
      const reason = `${err.message}; the tail runs on its backstop timer meanwhile; tried again at ${retryAt.toISOString()}`;
      await saveNotificationStatus(db, connector.id, offReason !== undefined ? { state: 'off', reason: `${offReason}; its subscriptions could not be deleted in Graph (${err.message}); Graph ends them at their expiry` } : { state: 'unavailable', reason, retryAt });
      return offReason !== undefined ? { state: 'off', nextCheckInSeconds: checkEvery, recreated: false } : { state: 'unavailable', nextCheckInSeconds: Math.min(checkEvery, RETRY_UNAVAILABLE_SECONDS), recreated: false };
    }
  };
}

async function openApi(deps: ActivityDeps, connector: Connector): Promise<SubscriptionApi> {
  const session = await deps.graph.open(connector, PERMISSION);
  return new SubscriptionApi(session.client);
}

async function removeAll(deps: ActivityDeps, connector: Connector, reason: string): Promise<ManageSubscriptionsResult> {
  const records = await subscriptionsOfConnector(deps.db, connector.id);
  const failures: string[] = [];
  if (records.length > 0) {
    const api = await openApi(deps, connector);
    for (const record of records) {
      const answer = await api.delete(record.subscriptionId);
      // 404: Graph has already ended it.
      if (!answer.ok && answer.status !== 404) failures.push(`${record.resource} ${record.subscriptionId} (${answer.status} ${answer.code}: ${answer.message})`);
      await deleteSubscriptionRecord(deps.db, record.subscriptionId);
    }
  }
  await handleAllOpen(deps.db, connector.id);
  const notDeleted = failures.length ? `; Graph would not delete ${failures.join(', ')}: it ends them at their expiry and the receiver drops their notifications` : '';
  await saveNotificationStatus(deps.db, connector.id, { state: 'off', reason: `${reason}${notDeleted}` });
  // Off because of the worker's configuration: a look now and then sees ENTRA_NOTIFICATION_URL set after a restart.
  return { state: 'off', nextCheckInSeconds: deps.notifications?.checkEverySeconds ?? CHECK_EVERY_SECONDS, recreated: false };
}

async function handleAllOpen(db: Queryable, connectorId: string): Promise<void> {
  const open = await openLifecycleEvents(db, connectorId);
  if (open.length) await markLifecycleHandled(db, open.map((e) => e.dedupeKey));
}

async function keepWanted(deps: ActivityDeps, notifications: NotificationDeps, connector: Connector): Promise<ManageSubscriptionsResult> {
  const { db } = deps;
  const { urls, keys } = notifications;
  const api = await openApi(deps, connector);
  const listed = await api.list();
  if (!listed.ok) throw new Error(`Microsoft Graph answered GET /subscriptions with ${listed.status} ${listed.code}: ${listed.message}`);
  const inGraph = new Map(listed.body.value.map((s) => [s.id.toLowerCase(), s]));
  await deleteOrphans(db, api, listed.body.value, urls);

  const records = await subscriptionsOfConnector(db, connector.id);
  const open = await openLifecycleEvents(db, connector.id);
  const problems: string[] = [];
  const settled = new Set<string>();
  let recreated = false;
  let nextRenewalMs = Number.POSITIVE_INFINITY;

  // Records of resources no longer watched (none today) go.
  for (const record of records.filter((r) => !WATCHED_RESOURCES.some((w) => sameResource(w, r.resource)))) {
    await api.delete(record.subscriptionId);
    await deleteSubscriptionRecord(db, record.subscriptionId);
  }

  for (const resource of WATCHED_RESOURCES) {
    const mine = records.filter((r) => sameResource(r.resource, resource)).sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime());
    // One per resource: Graph refuses a second (409); extra records are left from an older manager.
    for (const extra of mine.slice(1)) {
      await api.delete(extra.subscriptionId);
      await deleteSubscriptionRecord(db, extra.subscriptionId);
    }
    let kept: NotificationSubscription | undefined = mine[0];
    let replaced = false;
    if (kept) {
      const record = kept;
      const graph = inGraph.get(record.subscriptionId.toLowerCase());
      const challenged = open.some((e) => e.subscriptionId === record.subscriptionId && e.event === 'reauthorizationRequired');
      const outcome: Upkeep = graph ? await upkeep(api, record, graph, urls, challenged) : { kind: 'gone' };
      if (outcome.kind === 'gone') {
        // Expired, removed by Graph, or pointing at another URL: created again below.
        await deleteSubscriptionRecord(db, record.subscriptionId);
        settled.add(record.subscriptionId);
        kept = undefined;
        replaced = true;
      } else if (outcome.kind === 'refused') {
        problems.push(outcome.problem);
      } else {
        settled.add(record.subscriptionId);
        if (outcome.expiresAt) await renewSubscriptionRecord(db, record.subscriptionId, outcome.expiresAt);
        nextRenewalMs = Math.min(nextRenewalMs, outcome.expiresAt?.getTime() ?? Date.parse(graph!.expirationDateTime));
      }
    }
    if (!kept) {
      const created = await create(db, api, keys, connector.id, resource, urls);
      if (typeof created === 'string') {
        problems.push(created);
      } else {
        nextRenewalMs = Math.min(nextRenewalMs, created.getTime());
        if (replaced) recreated = true;
      }
    }
  }

  // Lifecycle events of subscriptions acted on, or no longer ours, are done with.
  const ours = new Set((await subscriptionsOfConnector(db, connector.id)).map((r) => r.subscriptionId));
  const done = open.filter((e) => settled.has(e.subscriptionId) || !ours.has(e.subscriptionId)).map((e) => e.dedupeKey);
  if (done.length) await markLifecycleHandled(db, done);

  const checkEvery = notifications.checkEverySeconds ?? CHECK_EVERY_SECONDS;
  if (problems.length) {
    const retryAt = new Date(Date.now() + RETRY_UNAVAILABLE_SECONDS * 1000);
    const reason = `${problems.join('; ')}. The tail runs on its backstop timer meanwhile; tried again at ${retryAt.toISOString()} (or at once: entra-sync connector update ${connector.id} --tail off, then --tail on)`;
    await saveNotificationStatus(db, connector.id, { state: 'unavailable', reason, retryAt });
    return { state: 'unavailable', nextCheckInSeconds: Math.min(checkEvery, RETRY_UNAVAILABLE_SECONDS), recreated };
  }
  await saveNotificationStatus(db, connector.id, { state: 'on' });
  // Renewal is due RENEW_WHEN_LEFT_MS before expiry on Graph's clock; between, a look every checkEvery finds what Graph dropped.
  const untilRenewal = Math.ceil((nextRenewalMs - RENEW_WHEN_LEFT_MS - api.now()) / 1000);
  return { state: 'on', nextCheckInSeconds: Math.max(1, Math.min(checkEvery, untilRenewal)), recreated };
}

type Upkeep = { kind: 'kept'; expiresAt?: Date } | { kind: 'gone' } | { kind: 'refused'; problem: string };

/** Renews what runs out soon, reauthorizes what Graph challenged (a renewal reauthorizes too: not both). */
async function upkeep(api: SubscriptionApi, record: NotificationSubscription, graph: GraphSubscription, urls: NotificationUrls, challenged: boolean): Promise<Upkeep> {
  // lifecycleNotificationUrl can only be set at creation: a changed URL means a new subscription.
  if (graph.notificationUrl !== urls.notificationUrl || graph.lifecycleNotificationUrl !== urls.lifecycleNotificationUrl) {
    await api.delete(graph.id);
    return { kind: 'gone' };
  }
  const left = Date.parse(graph.expirationDateTime) - api.now();
  if (left < RENEW_WHEN_LEFT_MS) {
    const renewed = await api.renew(graph.id, new Date(api.now() + REQUESTED_LIFETIME_MS).toISOString());
    if (renewed.ok) return { kind: 'kept', expiresAt: new Date(renewed.body.expirationDateTime) };
    if (renewed.status === 404) return { kind: 'gone' };
    return { kind: 'refused', problem: upkeepRefused('renew', record.resource, graph.id, renewed) };
  }
  if (challenged) {
    const reauthorized = await api.reauthorize(graph.id);
    if (reauthorized.ok) return { kind: 'kept' };
    if (reauthorized.status === 404) return { kind: 'gone' };
    return { kind: 'refused', problem: upkeepRefused('reauthorize', record.resource, graph.id, reauthorized) };
  }
  return { kind: 'kept' };
}

/** Creates and records one subscription with a fresh clientState; its expiry, or why Graph refused. */
async function create(db: Queryable, api: SubscriptionApi, keys: KeyRing, connectorId: string, resource: string, urls: NotificationUrls): Promise<Date | string> {
  const clientState = freshClientState();
  const answer = await api.create({
    resource,
    changeType: CHANGE_TYPE,
    notificationUrl: urls.notificationUrl,
    lifecycleNotificationUrl: urls.lifecycleNotificationUrl,
    expirationDateTime: new Date(api.now() + REQUESTED_LIFETIME_MS).toISOString(),
    clientState,
  });
  if (!answer.ok) return createRefused(resource, answer, urls);
  const expiresAt = new Date(answer.body.expirationDateTime);
  await recordSubscription(db, keys, { subscriptionId: answer.body.id, connectorId, resource, changeTypes: CHANGE_TYPE.split(','), expiresAt }, clientState);
  return expiresAt;
}

/**
 * Subscriptions to our receiver that no connector records: a create whose answer was lost or whose
 * record was not written (a crash between). Nobody can check their clientState, and Graph refuses
 * a second one for the same resource (409): they go.
 */
async function deleteOrphans(db: Queryable, api: SubscriptionApi, listed: GraphSubscription[], urls: NotificationUrls): Promise<void> {
  const ours = listed.filter((s) => s.notificationUrl === urls.notificationUrl);
  if (!ours.length) return;
  const { rows } = await db.query<{ id: string }>('select lower(subscription_id) as id from notification_subscriptions where lower(subscription_id) = any($1::text[])', [ours.map((s) => s.id.toLowerCase())]);
  const known = new Set(rows.map((r) => r.id));
  for (const orphan of ours.filter((s) => !known.has(s.id.toLowerCase()))) await api.delete(orphan.id);
}
