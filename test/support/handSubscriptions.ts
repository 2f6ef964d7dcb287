import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { Database } from '../../activities/store/database';
import { freshClientState, recordSubscription } from '../../activities/store/notificationSubscriptions';
import { loadKeyRing } from '../../activities/secrets/secretCipher';
import type { RunningSimulator } from '../../simulator/server';
import { minutesFromNow } from './subscriptionClient';

/** A Graph POST to the simulator, trusting its certificate whatever this process trusts (benches, the reliability runner). */
async function graphPost(sim: RunningSimulator, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const ca = await readFile(sim.config.caCertPath, 'utf8');
  const { token } = sim.accessTokens.issue(sim.application);
  return new Promise((resolve, reject) => {
    const request = https.request(`${sim.config.graphBaseUrl}${path}`, { method: 'POST', ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
    });
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

/**
 * The connector's /users and /groups subscriptions, made as the subscription manager makes them
 * (Graph's POST /subscriptions with a fresh clientState, then the sealed record the receiver
 * reads), for a stack whose worker does not manage them.
 */
export async function subscribeByHand(sim: RunningSimulator, db: Database, key: string, connectorId: string, notificationUrl: string): Promise<string[]> {
  const keys = loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: key })!;
  const ids: string[] = [];
  for (const resource of ['/users', '/groups']) {
    const clientState = freshClientState();
    const expiresAt = minutesFromNow(sim, 24 * 60);
    const created = await graphPost(sim, '/subscriptions', { changeType: 'updated,deleted', notificationUrl, lifecycleNotificationUrl: notificationUrl, resource, expirationDateTime: expiresAt, clientState });
    if (created.status !== 201) throw new Error(`POST /subscriptions ${resource}: ${created.status} ${JSON.stringify(created.json)}`);
    const subscriptionId = created.json.id as string;
    await recordSubscription(db, keys, { subscriptionId, connectorId, resource, changeTypes: ['updated', 'deleted'], expiresAt: new Date(expiresAt) }, clientState);
    ids.push(subscriptionId);
  }
  return ids;
}
