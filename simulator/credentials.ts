// App and service principal credentials as Graph renders them, and how audit logs describe them.

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
