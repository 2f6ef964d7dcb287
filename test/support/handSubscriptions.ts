import type { Database } from '../../activities/store/database';
import { freshClientState, recordSubscription } from '../../activities/store/notificationSubscriptions';
import { loadKeyRing } from '../../activities/secrets/secretCipher';
import type { RunningSimulator } from '../../simulator/server';
import { graphCall, minutesFromNow, tokenFor } from './subscriptionClient';

/**
 * The connector's /users and /groups subscriptions, made as the subscription manager makes them
 * (Graph's POST /subscriptions with a fresh clientState, then the sealed record the receiver
 * reads), for a stack whose worker does not manage them.
 */
export async function subscribeByHand(sim: RunningSimulator, db: Database, key: string, connectorId: string, notificationUrl: string): Promise<string[]> {
  const token = await tokenFor(sim);
  const keys = loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: key })!;
  const ids: string[] = [];
  for (const resource of ['/users', '/groups']) {
    const clientState = freshClientState();
    const expiresAt = minutesFromNow(sim, 24 * 60);
    const created = await graphCall(sim, token, 'POST', '/subscriptions', { changeType: 'updated,deleted', notificationUrl, lifecycleNotificationUrl: notificationUrl, resource, expirationDateTime: expiresAt, clientState });
    if (created.status !== 201) throw new Error(`POST /subscriptions ${resource}: ${created.status} ${JSON.stringify(created.json)}`);
    const subscriptionId = created.json.id as string;
    await recordSubscription(db, keys, { subscriptionId, connectorId, resource, changeTypes: ['updated', 'deleted'], expiresAt: new Date(expiresAt) }, clientState);
    ids.push(subscriptionId);
  }
  return ids;
}
