import { createHash } from 'node:crypto';
import type { CredentialMaterial } from './credentialMaterial';

export type CredentialIdentity = { tenantId: string; clientId: string; authorityHost: string };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Everything that defines a credential, hashed: tenant, client id, authority host, kind and the
 * secret material (itself hashed first, so no key string ever holds it). A change of any one
 * gives another fingerprint, and so another credential, without restarting the worker.
 */
export function credentialFingerprint(identity: CredentialIdentity, material: CredentialMaterial): string {
  const secret =
    material.kind === 'clientSecret'
      ? sha256(material.secret)
      : material.kind === 'certificate'
        ? sha256(JSON.stringify(material.certificate))
        : material.kind === 'workloadIdentity'
          ? material.tokenFile
          : '';
  return sha256(
    JSON.stringify(['entra-sync credential v1', identity.tenantId.toLowerCase(), identity.clientId.toLowerCase(), identity.authorityHost.replace(/\/+$/, '').toLowerCase(), material.kind, secret]),
  );
}
