import { createHash, X509Certificate } from 'node:crypto';
import { TOKEN_EXCHANGE_AUDIENCE } from './clientAssertion';
import type { ClientApplication, FederatedCredential, RegisteredCertificate } from './clientApplication';

/**
 * Registers a certificate's public part on the app, as "Certificates & secrets > Upload
 * certificate" does; its thumbprints are what client assertions name in x5t / x5t#S256.
 */
export function registerCertificate(app: ClientApplication, pem: string): RegisteredCertificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw new RangeError('certificate is not a PEM or DER X.509 certificate');
  }
  const der = certificate.raw;
  const registered: RegisteredCertificate = {
    x5t: createHash('sha1').update(der).digest('base64url'),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
    publicKeyPem: certificate.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
  };
  app.certificates = [...(app.certificates ?? []).filter((c) => c.x5tS256 !== registered.x5tS256), registered];
  return registered;
}

/** Adds (or replaces, by name) a federated identity credential; the audience defaults to Entra's token exchange. */
export function addFederatedCredential(app: ClientApplication, credential: Omit<FederatedCredential, 'audiences'> & { audiences?: string[] }): FederatedCredential {
  const added = { ...credential, audiences: credential.audiences ?? [TOKEN_EXCHANGE_AUDIENCE] };
  app.federatedCredentials = [...(app.federatedCredentials ?? []).filter((c) => c.name !== added.name), added];
  return added;
}
