import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadKeyRing, SecretCipherError } from '../activities/secrets/secretCipher';
import { upsertConnector } from '../activities/store/connectors';
import { createDatabase, type Database } from '../activities/store/database';
import {
  deleteSubscriptionRecord,
  freshClientState,
  recordSubscription,
  resealSubscriptionClientStates,
  renewSubscriptionRecord,
  subscriptionSecret,
  subscriptionsOfConnector,
} from '../activities/store/notificationSubscriptions';
import { createTestDatabase } from './support/testDatabase';

const keyText = randomBytes(32).toString('base64');
const keys = loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: keyText })!;
let db: Database;

beforeAll(async () => {
  db = createDatabase(await createTestDatabase(inject('postgresUrl'), 'subscriptions'));
  for (const id of ['contoso', 'fabrikam']) {
    await upsertConnector(db, { id, tenantId: 't', clientId: 'c', graphBaseUrl: 'https://g', authorityHost: 'https://a', discoveryEnabled: false });
  }
});

afterAll(async () => {
  await db?.end();
});

describe('notification subscriptions', () => {
  it('gives each subscription a fresh clientState of 32 random bytes, within Graph\'s 128 characters', () => {
    const states = new Set(Array.from({ length: 100 }, freshClientState));
    expect(states.size).toBe(100);
    for (const s of states) {
      expect(Buffer.from(s, 'base64url')).toHaveLength(32);
      expect(s.length).toBeLessThanOrEqual(128);
    }
  });

  it('stores the clientState sealed, never in plain text, and opens it for the receiver', async () => {
    const clientState = freshClientState();
    const subscriptionId = randomUUID();
    const expiresAt = new Date('2026-12-30T10:00:00Z');
    await recordSubscription(db, keys, { subscriptionId, connectorId: 'contoso', resource: '/users', changeTypes: ['updated', 'deleted'], expiresAt }, clientState);
    const { rows } = await db.query(`select row_to_json(s)::text as row, client_state_ciphertext as ct from notification_subscriptions s where subscription_id = $1`, [subscriptionId]);
    expect(rows[0].row).not.toContain(clientState);
    expect(Buffer.from(rows[0].ct).toString('latin1')).not.toContain(clientState);
    expect(await subscriptionSecret(db, keys, subscriptionId)).toEqual({ connectorId: 'contoso', clientState });
    expect(await subscriptionsOfConnector(db, 'contoso')).toContainEqual({ subscriptionId, connectorId: 'contoso', resource: '/users', changeTypes: ['updated', 'deleted'], expiresAt });
  });

  it('binds the sealed clientState to its row: copied onto another subscription it does not open', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const sub = (subscriptionId: string, connectorId: string) => ({ subscriptionId, connectorId, resource: '/groups', changeTypes: ['updated'], expiresAt: new Date() });
    await recordSubscription(db, keys, sub(a, 'contoso'), freshClientState());
    await recordSubscription(db, keys, sub(b, 'fabrikam'), freshClientState());
    await db.query(
      `update notification_subscriptions t set client_state_nonce = s.client_state_nonce, client_state_ciphertext = s.client_state_ciphertext,
         client_state_auth_tag = s.client_state_auth_tag from notification_subscriptions s where s.subscription_id = $1 and t.subscription_id = $2`,
      [a, b],
    );
    await expect(subscriptionSecret(db, keys, b)).rejects.toThrow(SecretCipherError);
    await deleteSubscriptionRecord(db, b);
  });

  it('re-seals every clientState under the new key when the key rotates, so the old key can go', async () => {
    const subscriptionId = randomUUID();
    const clientState = freshClientState();
    await recordSubscription(db, keys, { subscriptionId, connectorId: 'contoso', resource: '/users', changeTypes: ['updated'], expiresAt: new Date() }, clientState);
    const newKey = randomBytes(32).toString('base64');
    const rotating = loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: newKey, ENTRA_SYNC_ENCRYPTION_KEY_PREVIOUS: keyText })!;
    const rotation = await resealSubscriptionClientStates(db, rotating);
    expect(rotation.resealed).toBeGreaterThanOrEqual(1);
    const onlyNew = loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: newKey })!;
    expect(await subscriptionSecret(db, onlyNew, subscriptionId)).toEqual({ connectorId: 'contoso', clientState });
    expect((await resealSubscriptionClientStates(db, onlyNew)).resealed).toBe(0);
  });

  it('renews, deletes, and answers undefined for a subscription it does not have', async () => {
    const subscriptionId = randomUUID();
    await recordSubscription(db, keys, { subscriptionId, connectorId: 'fabrikam', resource: '/users', changeTypes: ['updated'], expiresAt: new Date('2026-12-08T00:00:00Z') }, freshClientState());
    expect(await renewSubscriptionRecord(db, subscriptionId, new Date('2027-01-05T00:00:00Z'))).toBe(true);
    expect((await subscriptionsOfConnector(db, 'fabrikam')).find((s) => s.subscriptionId === subscriptionId)?.expiresAt).toEqual(new Date('2027-01-05T00:00:00Z'));
    expect(await deleteSubscriptionRecord(db, subscriptionId)).toBe(true);
    expect(await subscriptionSecret(db, keys, subscriptionId)).toBeUndefined();
    expect(await renewSubscriptionRecord(db, subscriptionId, new Date())).toBe(false);
  });
});
