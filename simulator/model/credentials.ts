// App and service principal credentials as Graph renders them, and how audit logs describe them.

import type { Random } from '../generate/random';
import { graphDateTime } from './userResource';

/** A client secret. Graph never returns the secret itself: `secretText` is always null. */
export interface PasswordCredential {
  customKeyIdentifier: null;
  displayName: string | null;
  endDateTime: string;
  /** First three characters of the secret. */
  hint: string;
  keyId: string;
  secretText: null;
  startDateTime: string;
}

/** A certificate. `key` is only returned on a single-object $select=keyCredentials; lists give null. */
export interface KeyCredential {
  /** Base64 of the certificate thumbprint. */
  customKeyIdentifier: string;
  displayName: string;
  endDateTime: string;
  key: null;
  keyId: string;
  startDateTime: string;
  type: 'AsymmetricX509Cert';
  usage: 'Verify';
}

export type CredentialKind = 'password' | 'key';

export interface NewPasswordCredential {
  keyId?: string;
  displayName?: string | null;
  startDateTime?: string;
  endDateTime?: string;
}

export interface NewKeyCredential {
  keyId?: string;
  displayName?: string;
  startDateTime?: string;
  endDateTime?: string;
  customKeyIdentifier?: string;
}

const DEFAULT_SECRET_LIFETIME_DAYS = 180;
const DEFAULT_CERTIFICATE_LIFETIME_DAYS = 365;
const DAY_MS = 86_400_000;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SECRET_ALPHABET = `${ALPHANUMERIC}~._-`;

/** A new client secret as addPassword creates it: the secret text is shown once, the hint forever. */
export function newPasswordCredential(random: Random, input: NewPasswordCredential, now: Date): { credential: PasswordCredential; secretText: string } {
  // Entra secret values: 3 characters, a digit, "Q~", then 34 more: 40 in all.
  const secretText = `${random.string(3, ALPHANUMERIC)}${random.int(0, 9)}Q~${random.string(34, SECRET_ALPHABET)}`;
  const credential: PasswordCredential = {
    customKeyIdentifier: null,
    displayName: input.displayName === undefined ? 'Client secret' : input.displayName,
    endDateTime: input.endDateTime ?? graphDateTime(new Date(now.getTime() + DEFAULT_SECRET_LIFETIME_DAYS * DAY_MS)),
    hint: secretText.slice(0, 3),
    keyId: (input.keyId ?? random.guid()).toLowerCase(),
    secretText: null,
    startDateTime: input.startDateTime ?? graphDateTime(now),
  };
  return { credential, secretText };
}

/** A new certificate (public key only); customKeyIdentifier is the base64 thumbprint. */
export function newKeyCredential(random: Random, input: NewKeyCredential, now: Date, subject: string): KeyCredential {
  return {
    customKeyIdentifier: input.customKeyIdentifier ?? Buffer.from(random.string(20, SECRET_ALPHABET)).toString('base64'),
    displayName: input.displayName ?? `CN=${subject}`,
    endDateTime: input.endDateTime ?? graphDateTime(new Date(now.getTime() + DEFAULT_CERTIFICATE_LIFETIME_DAYS * DAY_MS)),
    key: null,
    keyId: (input.keyId ?? random.guid()).toLowerCase(),
    startDateTime: input.startDateTime ?? graphDateTime(now),
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
  };
}

export interface HasCredentials {
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
}

/**
 * How Entra audit logs describe a credential inside modifiedProperties (KeyDescription):
 * `[KeyIdentifier=<keyId>,KeyType=Password,KeyUsage=Verify,DisplayName=<name>]`.
 */
export function describeCredentialForAudit(credential: PasswordCredential | KeyCredential): string {
  const type = 'hint' in credential ? 'Password' : 'AsymmetricX509Cert';
  return `[KeyIdentifier=${credential.keyId},KeyType=${type},KeyUsage=Verify,DisplayName=${credential.displayName ?? ''}]`;
}

/** The JSON text an audit event carries for a set of credentials (old or new value). */
export function credentialListAuditValue(credentials: ReadonlyArray<PasswordCredential | KeyCredential>): string {
  return JSON.stringify(credentials.map(describeCredentialForAudit));
}
