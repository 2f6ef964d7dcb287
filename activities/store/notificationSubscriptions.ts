import { randomBytes } from 'node:crypto';
import { SecretCipherError, type KeyRing } from '../secrets/secretCipher';
import { inTransaction, type Database, type Queryable } from './database';

/**
 * The Graph subscriptions of each connector (migration 0034) and their clientState: 32 random
 * bytes, sealed with the key ring that seals client secrets and bound to the connector and the
 * subscription, so a sealed value copied onto another row does not open.
 */
export type NotificationSubscription = {
  subscriptionId: string;
  connectorId: string;
  resource: string;
  changeTypes: string[];
  expiresAt: Date;
};

/** What the receiver needs to check a notification: whose it is and the clientState it must echo. */
export type SubscriptionSecret = { connectorId: string; clientState: string };

const CLIENT_STATE_BYTES = 32;

const sealContext = (connectorId: string, subscriptionId: string) => `entra-sync/notification-client-state/${connectorId}/${subscriptionId}`;

/** A fresh clientState for a subscription to be created: 32 random bytes as base64url (43 characters; Graph allows 128). */
export function freshClientState(): string {
  return randomBytes(CLIENT_STATE_BYTES).toString('base64url');
}

/**
 * Records a subscription Graph created (or renewed under a new id) with the clientState sent in
 * the create request; only its sealed form reaches PostgreSQL.
 */
export async function recordSubscription(db: Queryable, keys: KeyRing, subscription: NotificationSubscription, clientState: string): Promise<void> {
  const sealed = keys.seal(clientState, sealContext(subscription.connectorId, subscription.subscriptionId));
  await db.query(
    `insert into notification_subscriptions (subscription_id, connector_id, resource, change_types, expires_at,
       client_state_key_id, client_state_nonce, client_state_ciphertext, client_state_auth_tag)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     on conflict (subscription_id) do update set connector_id = excluded.connector_id, resource = excluded.resource,
       change_types = excluded.change_types, expires_at = excluded.expires_at,
       client_state_key_id = excluded.client_state_key_id, client_state_nonce = excluded.client_state_nonce,
       client_state_ciphertext = excluded.client_state_ciphertext, client_state_auth_tag = excluded.client_state_auth_tag,
       updated_at = now()`,
    [
      subscription.subscriptionId,
      subscription.connectorId,
      subscription.resource,
      subscription.changeTypes,
      subscription.expiresAt,
      sealed.keyId,
      sealed.nonce,
      sealed.ciphertext,
      sealed.authTag,
    ],
  );
}

/** A renewal (PATCH expirationDateTime) keeps the id and the clientState. */
export async function renewSubscriptionRecord(db: Queryable, subscriptionId: string, expiresAt: Date): Promise<boolean> {
  const { rowCount } = await db.query(`update notification_subscriptions set expires_at = $2, updated_at = now() where subscription_id = $1`, [subscriptionId, expiresAt]);
  return (rowCount ?? 0) > 0;
}

export async function deleteSubscriptionRecord(db: Queryable, subscriptionId: string): Promise<boolean> {
  const { rowCount } = await db.query(`delete from notification_subscriptions where subscription_id = $1`, [subscriptionId]);
  return (rowCount ?? 0) > 0;
}

export async function subscriptionsOfConnector(db: Queryable, connectorId: string): Promise<NotificationSubscription[]> {
  const { rows } = await db.query<NotificationSubscription>(
    `select subscription_id as "subscriptionId", connector_id as "connectorId", resource, change_types as "changeTypes", expires_at as "expiresAt"
       from notification_subscriptions where connector_id = $1 order by resource, subscription_id`,
    [connectorId],
  );
  return rows;
}

/** The subscription's connector and opened clientState; undefined when no such subscription is recorded. Throws SecretCipherError when no key opens it. */
export async function subscriptionSecret(db: Queryable, keys: KeyRing, subscriptionId: string): Promise<SubscriptionSecret | undefined> {
  const { rows } = await db.query<{ connectorId: string; keyId: string; nonce: Buffer; ciphertext: Buffer; authTag: Buffer }>(
    `select connector_id as "connectorId", client_state_key_id as "keyId", client_state_nonce as nonce,
            client_state_ciphertext as ciphertext, client_state_auth_tag as "authTag"
       from notification_subscriptions where subscription_id = $1`,
    [subscriptionId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { connectorId: row.connectorId, clientState: keys.open(row, sealContext(row.connectorId, subscriptionId)) };
}

export type ClientStateRotation = { resealed: number; current: number };

/**
 * Re-seals every clientState not yet under the ring's current key, in one transaction (with
 * `entra-sync connector rotate-key`, beside the client secrets): all move or none does.
 */
export async function resealSubscriptionClientStates(db: Database, keys: KeyRing): Promise<ClientStateRotation> {
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<{ subscriptionId: string; connectorId: string; keyId: string; nonce: Buffer; ciphertext: Buffer; authTag: Buffer }>(
      `select subscription_id as "subscriptionId", connector_id as "connectorId", client_state_key_id as "keyId", client_state_nonce as nonce,
              client_state_ciphertext as ciphertext, client_state_auth_tag as "authTag"
         from notification_subscriptions order by subscription_id for update`,
    );
    let resealed = 0;
    for (const row of rows) {
      if (row.keyId === keys.currentKeyId) continue;
      const context = sealContext(row.connectorId, row.subscriptionId);
      let clientState: string;
      try {
        clientState = keys.open(row, context);
      } catch (err) {
        if (err instanceof SecretCipherError) throw new SecretCipherError(err.reason, `the clientState of notification subscription ${row.subscriptionId} ${err.message}`);
        throw err;
      }
      const sealed = keys.seal(clientState, context);
      await tx.query(
        `update notification_subscriptions set client_state_key_id = $2, client_state_nonce = $3, client_state_ciphertext = $4, client_state_auth_tag = $5, updated_at = now()
          where subscription_id = $1`,
        [row.subscriptionId, sealed.keyId, sealed.nonce, sealed.ciphertext, sealed.authTag],
      );
      resealed++;
    }
    return { resealed, current: rows.length - resealed };
  });
}
