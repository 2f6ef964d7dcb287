import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigError } from '../../shared/config';

/**
 * AES-256-GCM with a ring of keys: the current key seals, the current and any previous keys
 * open. Every sealed value names the key that sealed it (a fingerprint, never the key), so a
 * rotation can re-seal exactly the values still under an old key.
 */
export type SealedValue = { keyId: string; nonce: Buffer; ciphertext: Buffer; authTag: Buffer };

type Key = { id: string; bytes: Buffer };

const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const AUTH_TAG_BYTES = 16;
export const KEY_FORM = '32 random bytes in base64 (44 characters), e.g. the output of: openssl rand -base64 32';

/** A key's public name: the first 16 hex digits of a domain-separated SHA-256 of it. */
export function keyFingerprint(bytes: Buffer): string {
  return createHash('sha256').update('entra-sync encryption key v1\0').update(bytes).digest('hex').slice(0, 16);
}

export class SecretCipherError extends Error {
  constructor(
    readonly reason: 'unknownKey' | 'undecryptable',
    message: string,
  ) {
    super(message);
    this.name = 'SecretCipherError';
  }
}

export class KeyRing {
  private readonly keys: Map<string, Key>;

  constructor(
    private readonly current: Key,
    previous: Key[] = [],
  ) {
    this.keys = new Map([...previous, current].map((k) => [k.id, k]));
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** `context` binds the value to where it is stored (e.g. the connector id): a copy elsewhere will not open. */
  seal(plaintext: string, context: string): SealedValue {
    return this.sealBytes(Buffer.from(plaintext, 'utf8'), context);
  }

  open(sealed: SealedValue, context: string): string {
    return this.openBytes(sealed, context).toString('utf8');
  }

  sealBytes(plaintext: Uint8Array, context: string): SealedValue {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.bytes, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { keyId: this.current.id, nonce, ciphertext, authTag: cipher.getAuthTag() };
  }

  openBytes(sealed: SealedValue, context: string): Buffer {
    const key = this.keys.get(sealed.keyId);
    if (!key) {
      throw new SecretCipherError('unknownKey', `sealed with encryption key ${sealed.keyId}, which is not among the configured keys (${this.keyIds.join(', ')})`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, sealed.nonce);
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(sealed.authTag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    } catch {
      throw new SecretCipherError('undecryptable', `does not decrypt with encryption key ${sealed.keyId}: the stored value was altered or belongs elsewhere`);
    }
  }
}

function parseKey(name: string, value: string): Key {
  const text = value.trim();
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (bytes.length !== KEY_BYTES) throw new ConfigError([`${name} is not a valid key; use ${KEY_FORM}`]);
  return { id: keyFingerprint(bytes), bytes };
}

export type KeyRingVariables = { current: string; previous: string };

export const SECRET_KEY_VARIABLES: KeyRingVariables = {
  current: 'ENTRA_SYNC_ENCRYPTION_KEY',
  previous: 'ENTRA_SYNC_ENCRYPTION_KEY_PREVIOUS',
};

/**
 * Reads a key ring from the environment: `current` seals and opens; `previous` (one key, or
 * several separated by commas) only opens, for the time a rotation takes. Undefined when unset.
 */
export function loadKeyRing(env: NodeJS.ProcessEnv = process.env, names: KeyRingVariables = SECRET_KEY_VARIABLES): KeyRing | undefined {
  const current = env[names.current]?.trim();
  const previous = (env[names.previous] ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (!current) {
    if (previous.length) throw new ConfigError([`${names.previous} is set but ${names.current} is not: set ${names.current} to the new key (${KEY_FORM})`]);
    return undefined;
  }
  return new KeyRing(
    parseKey(names.current, current),
    previous.map((v) => parseKey(names.previous, v)),
  );
}
