import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DatabaseSecretStore } from '../activities/secrets/databaseSecretStore';
import { keyFingerprint, loadKeyRing, SecretCipherError } from '../activities/secrets/secretCipher';
import { StaticSecretStore } from '../activities/secrets/secretStore';
import { upsertConnector } from '../activities/store/connectors';
import { loadSealedSecret, resealConnectorSecrets, saveConnectorSecret } from '../activities/secrets/connectorSecrets';
import { createDatabase, type Database } from '../activities/store/database';
import { ConfigError } from '../shared/config';
import { createTestDatabase } from './support/testDatabase';

const newKey = () => randomBytes(32).toString('base64');
const ring = (current: string, previous?: string) =>
  loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: current, ...(previous ? { ENTRA_SYNC_ENCRYPTION_KEY_PREVIOUS: previous } : {}) })!;
const SECRET = 'Q~s3cr3t-value-that-must-never-leak-0000';

let db: Database;

beforeAll(async () => {
  db = createDatabase(await createTestDatabase(inject('postgresUrl'), 'secrets'));
  for (const id of ['alpha', 'beta', 'gamma']) {
    await upsertConnector(db, { id, tenantId: 't', clientId: 'c', graphBaseUrl: 'https://g', authorityHost: 'https://a', discoveryEnabled: false });
  }
});

afterAll(async () => {
  await db?.end();
});

describe('the secret cipher (AES-256-GCM with a key ring)', () => {
  it('opens what it sealed, names the key by fingerprint, and never repeats a nonce', () => {
    const key = newKey();
    const keys = ring(key);
    const a = keys.seal(SECRET, 'ctx');
    const b = keys.seal(SECRET, 'ctx');
    expect(keys.open(a, 'ctx')).toBe(SECRET);
    expect(a.keyId).toBe(keyFingerprint(Buffer.from(key, 'base64')));
    expect(a.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(a.nonce.equals(b.nonce)).toBe(false);
    expect(a.ciphertext.toString('latin1')).not.toContain('s3cr3t');
  });

  it('refuses a value sealed for another context, a tampered value, and an unknown key', () => {
    const keys = ring(newKey());
    const sealed = keys.seal(SECRET, 'connector-a');
    expect(() => keys.open(sealed, 'connector-b')).toThrow(SecretCipherError);
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0]! ^= 1;
    expect(() => keys.open({ ...sealed, ciphertext: flipped }, 'connector-a')).toThrow(/altered/);
    expect(() => ring(newKey()).open(sealed, 'connector-a')).toThrow(/not among the configured keys/);
  });

  it('opens with a previous key during a rotation, but seals with the current one', () => {
    const [oldKey, newer] = [newKey(), newKey()];
    const sealedOld = ring(oldKey).seal(SECRET, 'x');
    const rotating = ring(newer, oldKey);
    expect(rotating.open(sealedOld, 'x')).toBe(SECRET);
    expect(rotating.seal(SECRET, 'x').keyId).toBe(rotating.currentKeyId);
    expect(rotating.keyIds).toHaveLength(2);
  });

  it('rejects keys that are not 32 bytes of base64, naming the variable and the form', () => {
    expect(() => ring('too-short')).toThrow(ConfigError);
    expect(() => ring('too-short')).toThrow(/ENTRA_SYNC_ENCRYPTION_KEY is not a valid key; use 32 random bytes in base64/);
    expect(() => ring(newKey(), 'nope')).toThrow(/ENTRA_SYNC_ENCRYPTION_KEY_PREVIOUS is not a valid key/);
    expect(() => loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY_PREVIOUS: newKey() })).toThrow(/ENTRA_SYNC_ENCRYPTION_KEY is not/);
    expect(loadKeyRing({})).toBeUndefined();
  });
});

describe('connector secrets in PostgreSQL', () => {
  it('stores only ciphertext, and the worker store opens it', async () => {
    const keys = ring(newKey());
    await saveConnectorSecret(db, keys, 'alpha', SECRET);
    const everything = await db.query(`select t::text as row from connector_secrets t`);
    expect(everything.rows).toHaveLength(1);
    expect(JSON.stringify(everything.rows)).not.toContain(SECRET);
    expect(JSON.stringify(everything.rows)).not.toContain(Buffer.from(SECRET).toString('hex'));
    expect(await new DatabaseSecretStore(db, keys).clientSecret('alpha')).toBe(SECRET);
  });

  it('falls back to the secrets handed to the worker, and otherwise says how to store one', async () => {
    const store = new DatabaseSecretStore(db, ring(newKey()), new StaticSecretStore(new Map([['beta', 'from-env']])));
    expect(await store.clientSecret('beta')).toBe('from-env');
    const missing = await store.clientSecret('gamma').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApplicationFailure);
    expect(missing).toMatchObject({ type: 'MissingClientSecret', nonRetryable: true });
    expect((missing as Error).message).toContain('entra-sync connector update gamma --secret');
  });

  it('fails without the key, or with the wrong key, naming the fix and not the secret', async () => {
    const keys = ring(newKey());
    await saveConnectorSecret(db, keys, 'gamma', SECRET);
    const noKey = (await new DatabaseSecretStore(db, undefined).clientSecret('gamma').catch((e: unknown) => e)) as ApplicationFailure;
    expect(noKey).toMatchObject({ type: 'EncryptionKeyMissing', nonRetryable: true });
    const wrongKey = (await new DatabaseSecretStore(db, ring(newKey())).clientSecret('gamma').catch((e: unknown) => e)) as ApplicationFailure;
    expect(wrongKey).toMatchObject({ type: 'ConnectorSecretUnreadable', nonRetryable: true });
    expect(wrongKey.message).toContain(`sealed with encryption key ${keys.currentKeyId}`);
    expect(wrongKey.message).toContain('ENTRA_SYNC_ENCRYPTION_KEY_PREVIOUS');
    for (const f of [noKey, wrongKey]) expect(f.message).not.toContain(SECRET);
  });

  it('rotates every secret to the new key in one transaction, and refuses when a key is missing', async () => {
    const [k1, k2, k3] = [newKey(), newKey(), newKey()];
    await saveConnectorSecret(db, ring(k1), 'alpha', 'alpha-secret');
    await saveConnectorSecret(db, ring(k2), 'beta', 'beta-secret');
    await saveConnectorSecret(db, ring(k3), 'gamma', 'gamma-secret');

    // k2 is not in the ring: nothing may change.
    const before = (await db.query('select connector_id, key_id, ciphertext from connector_secrets order by 1')).rows;
    await expect(resealConnectorSecrets(db, ring(k3, k1))).rejects.toThrow(/connector beta .*not among the configured keys/);
    expect((await db.query('select connector_id, key_id, ciphertext from connector_secrets order by 1')).rows).toEqual(before);

    const rotating = ring(k3, `${k1},${k2}`);
    const result = await resealConnectorSecrets(db, rotating);
    expect(result).toEqual({ resealed: ['alpha', 'beta'], current: 1, keyId: rotating.currentKeyId });
    const onlyNew = ring(k3);
    for (const id of ['alpha', 'beta', 'gamma']) {
      expect((await loadSealedSecret(db, id))!.keyId).toBe(onlyNew.currentKeyId);
      expect(await new DatabaseSecretStore(db, onlyNew).clientSecret(id)).toBe(`${id}-secret`);
    }
    expect((await resealConnectorSecrets(db, onlyNew)).resealed).toEqual([]);
  });

  it('deletes a connector secret with its connector', async () => {
    await db.query(`delete from connectors where id = 'alpha'`);
    expect(await loadSealedSecret(db, 'alpha')).toBeUndefined();
  });
});
