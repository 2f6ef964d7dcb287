import { readFile } from 'node:fs/promises';
import type { EnvCredential } from '../../shared/envCredential';
import { sealCertificate, type CertificateMaterial } from '../graph/credentials/credentialMaterial';
import type { SecretStore } from './secretStore';

/**
 * The secret material handed to the worker process for the connector configured by ENTRA_*
 * variables: its client secret, or its certificate read from AZURE_CLIENT_CERTIFICATE_PATH at
 * every call (a renewed certificate file is used without a restart).
 */
export class EnvironmentSecretStore implements SecretStore {
  constructor(
    private readonly connectorId: string,
    private readonly credential: EnvCredential | undefined,
  ) {}

  async clientSecret(connectorId: string): Promise<string | undefined> {
    if (connectorId !== this.connectorId || !this.credential) return undefined;
    if (this.credential.kind === 'clientSecret') return this.credential.secret;
    if (this.credential.kind !== 'certificate') return undefined;
    return sealCertificate(await readCertificateFile(this.credential.path, this.credential.password));
  }
}

/** A certificate file as the credential reads it: PEM text, or a PFX (anything else) with its password. */
export async function readCertificateFile(file: string, password: string | undefined): Promise<CertificateMaterial> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new Error(`cannot read the certificate file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const text = bytes.toString('utf8');
  if (text.includes('-----BEGIN')) return { format: 'pem', pem: text, ...(password ? { password } : {}) };
  return { format: 'pfx', pfx: bytes.toString('base64'), password: password ?? '' };
}
