import { SecretCipherError, type KeyRing, type SealedValue } from './secretCipher';
import type { Database, Queryable } from '../store/database';
import { inTransaction } from '../store/database';

/** Binds a sealed secret to its connector: copied onto another connector's row, it will not open. */
const sealContext = (connectorId: string) => `entra-sync/connector-secret/${connectorId}`;

export type StoredSecretInfo = { keyId: string; updatedAt: Date };

/** Seals the client secret with the ring's current key and stores it; only ciphertext reaches PostgreSQL. */
export async function saveConnectorSecret(db: Queryable, keys: KeyRing, connectorId: string, secret: string): Promise<StoredSecretInfo> {
  const sealed = keys.seal(secret, sealContext(connectorId));
  const { rows } = await db.query(
    `insert into connector_secrets (connector_id, key_id, nonce, ciphertext, auth_tag) values ($1, $2, $3, $4, $5)
     on conflict (connector_id) do update set key_id = excluded.key_id, nonce = excluded.nonce,
       ciphertext = excluded.ciphertext, auth_tag = excluded.auth_tag, updated_at = now()
     returning key_id as "keyId", updated_at as "updatedAt"`,
    [connectorId, sealed.keyId, sealed.nonce, sealed.ciphertext, sealed.authTag],
  );
  return rows[0] as StoredSecretInfo;
}

export async function loadSealedSecret(db: Queryable, connectorId: string): Promise<SealedValue | undefined> {
  const { rows } = await db.query(
    `select key_id as "keyId", nonce, ciphertext, auth_tag as "authTag" from connector_secrets where connector_id = $1`,
    [connectorId],
  );
  return rows[0] as SealedValue | undefined;
}

/** Opens a sealed secret; throws SecretCipherError when no configured key fits. */
export function openConnectorSecret(keys: KeyRing, connectorId: string, sealed: SealedValue): string {
  return keys.open(sealed, sealContext(connectorId));
}

export async function connectorSecretInfo(db: Queryable, connectorId: string): Promise<StoredSecretInfo | undefined> {
  const { rows } = await db.query(`select key_id as "keyId", updated_at as "updatedAt" from connector_secrets where connector_id = $1`, [connectorId]);
  return rows[0] as StoredSecretInfo | undefined;
}

export type RotationResult = { resealed: string[]; current: number; keyId: string };

/**
 * Re-seals every secret not yet under the ring's current key, in one transaction: either all
 * move to the new key or none does. Fails without changing anything when a secret is sealed with
 * a key the ring does not hold.
 */
export async function resealConnectorSecrets(db: Database, keys: KeyRing): Promise<RotationResult> {
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<SealedValue & { connectorId: string }>(
      `select connector_id as "connectorId", key_id as "keyId", nonce, ciphertext, auth_tag as "authTag"
         from connector_secrets order by connector_id for update`,
    );
    const resealed: string[] = [];
    for (const row of rows) {
      if (row.keyId === keys.currentKeyId) continue;
      let secret: string;
      try {
        secret = openConnectorSecret(keys, row.connectorId, row);
      } catch (err) {
        if (err instanceof SecretCipherError) throw new SecretCipherError(err.reason, `the client secret of connector ${row.connectorId} ${err.message}`);
        throw err;
      }
      const sealed = keys.seal(secret, sealContext(row.connectorId));
      await tx.query(
        `update connector_secrets set key_id = $2, nonce = $3, ciphertext = $4, auth_tag = $5, updated_at = now() where connector_id = $1`,
        [row.connectorId, sealed.keyId, sealed.nonce, sealed.ciphertext, sealed.authTag],
      );
      resealed.push(row.connectorId);
    }
    return { resealed, current: rows.length - resealed.length, keyId: keys.currentKeyId };
  });
}
