import { readFile } from 'node:fs/promises';
import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import { isKnownAuthorityHost } from '../../../shared/clouds';
import type { CredentialMaterial } from './credentialMaterial';
import type { CredentialIdentity } from './credentialFingerprint';
import { pfxToPem } from './pfxToPem';

/** @azure/identity's own credential type for each kind; no token request is made by hand. */
export function createCredential(identity: CredentialIdentity, material: CredentialMaterial): TokenCredential {
  const options = {
    authorityHost: identity.authorityHost,
    // Instance discovery calls a hard-coded Microsoft host; any authority MSAL does not know must skip it.
    disableInstanceDiscovery: !isKnownAuthorityHost(identity.authorityHost),
  };
  switch (material.kind) {
    case 'clientSecret':
      return new ClientSecretCredential(identity.tenantId, identity.clientId, material.secret, options);
    case 'certificate': {
      const c = material.certificate;
      const certificate =
        c.format === 'pem' ? { certificate: c.pem, ...(c.password ? { certificatePassword: c.password } : {}) } : { certificate: pfxToPem(c.pfx, c.password) };
      return new ClientCertificateCredential(identity.tenantId, identity.clientId, certificate, options);
    }
    case 'workloadIdentity':
      // Not WorkloadIdentityCredential: it keeps the file's contents for 5 minutes, and a projected
      // token is rotated by the kubelet under it. Read the file at every token request instead.
      return new ClientAssertionCredential(identity.tenantId, identity.clientId, () => readFederatedToken(material.tokenFile), options);
    case 'managedIdentity':
      // A user-assigned identity is named by its client id; the identity endpoint belongs to the host.
      return new ManagedIdentityCredential({ clientId: identity.clientId });
    case 'systemAssignedIdentity':
      // No client, object or resource id: the host's endpoint answers for its own identity.
      return new ManagedIdentityCredential();
  }
}

export class FederatedTokenFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FederatedTokenFileError';
  }
}

async function readFederatedToken(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new FederatedTokenFileError(`cannot read the federated token file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const token = text.trim();
  if (!token) throw new FederatedTokenFileError(`the federated token file ${file} is empty`);
  return token;
}
