import { readCertificateFile } from '../../activities/secrets/environmentSecretStore';
import { sealCertificate, type CertificateMaterial } from '../../activities/graph/credentials/credentialMaterial';
import { pfxToPem } from '../../activities/graph/credentials/pfxToPem';
import { CREDENTIAL_KINDS, isCredentialKind, type CredentialKind } from '../../activities/graph/credentials/credentialKinds';
import { CLOUD_NAMES, cloudNamed, resolveEndpoints, type CloudName } from '../../shared/clouds';
import { CliError } from './cliErrors';
import { readSecret } from './secretInput';
import * as valid from './validation';

/** The credential options shared by `connector add` and `connector update`. */
export type CredentialOptions = {
  credential?: string;
  secret?: boolean;
  certificate?: string;
  federatedTokenFile?: string;
  managedIdentity?: boolean;
  systemAssignedIdentity?: boolean;
};

export type CredentialChoice = {
  kind: CredentialKind;
  federatedTokenFile: string | null;
  /** Reads the secret material (from the prompt or stdin, or the certificate file); undefined for kinds without any. */
  readSealed: () => Promise<string | undefined>;
};

const SECRET_PROMPT = 'Client secret (the Value from Certificates & secrets; input hidden): ';
const PASSWORD_PROMPT = 'Certificate password (input hidden): ';

/** The credential the options ask for, or undefined when they name none (update keeps the current one). */
export function credentialChoice(o: CredentialOptions, fallback: CredentialKind | undefined): CredentialChoice | undefined {
  const implied = [
    o.secret && 'clientSecret',
    o.certificate && 'certificate',
    o.federatedTokenFile && 'workloadIdentity',
    o.managedIdentity && 'managedIdentity',
    o.systemAssignedIdentity && 'systemAssignedIdentity',
  ].filter((k): k is CredentialKind => Boolean(k));
  if (o.credential !== undefined && !isCredentialKind(o.credential)) {
    throw new CliError(`--credential "${o.credential}" is not a credential kind; use ${CREDENTIAL_KINDS.join(', ')}`);
  }
  const kinds = new Set([...implied, ...(o.credential ? [o.credential as CredentialKind] : [])]);
  if (kinds.size > 1) throw new CliError(`the options ask for several credentials (${[...kinds].join(', ')}); give one`);
  const kind = [...kinds][0] ?? fallback;
  if (!kind) return undefined;
  if (kind === 'certificate' && !o.certificate) throw new CliError('a certificate credential needs --certificate <file> (PEM with its private key, or PFX)');
  if (kind === 'workloadIdentity' && !o.federatedTokenFile) throw new CliError('workload identity federation needs --federated-token-file <path> (as AZURE_FEDERATED_TOKEN_FILE on Kubernetes)');
  return {
    kind,
    federatedTokenFile: kind === 'workloadIdentity' ? o.federatedTokenFile! : null,
    readSealed: async () => {
      if (kind === 'clientSecret') return readSecret(SECRET_PROMPT);
      if (kind === 'certificate') return sealCertificate(await readCertificate(o.certificate!));
      return undefined;
    },
  };
}

/**
 * Reads a certificate file and proves it usable before storing it: a PFX or an encrypted PEM key
 * needs its password (from the prompt or stdin, never the command line).
 */
async function readCertificate(file: string): Promise<CertificateMaterial> {
  let material: CertificateMaterial;
  try {
    material = await readCertificateFile(file, undefined);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const needsPassword = material.format === 'pfx' || /ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(material.pem);
  if (needsPassword) material = { ...material, password: await readSecret(PASSWORD_PROMPT, process.stdin, 'certificate password') } as CertificateMaterial;
  const pem = material.format === 'pfx' ? convert(material.pfx, material.password) : material.pem;
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) throw new CliError(`${file} holds no certificate; give the PEM with the certificate and its private key, or the PFX`);
  if (!/PRIVATE KEY-----/.test(pem)) throw new CliError(`${file} holds no private key; give the PEM with the certificate and its private key, or the PFX`);
  return material;
}

function convert(pfx: string, password: string): string {
  try {
    return pfxToPem(pfx, password);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/** --cloud picks the endpoint pair; --graph-base-url / --authority-host still win. */
export function cloudEndpoints(o: { cloud?: string; graphBaseUrl?: string; authorityHost?: string }): {
  cloud: CloudName | undefined;
  endpoints: { graphBaseUrl?: string; authorityHost?: string };
} {
  const cloud = o.cloud === undefined ? undefined : cloudNamed(o.cloud);
  if (o.cloud !== undefined && !cloud) throw new CliError(`--cloud "${o.cloud}" is not a cloud; use one of ${CLOUD_NAMES.join(', ')}`);
  const overrides = {
    ...(o.graphBaseUrl ? { graphBaseUrl: valid.httpsUrl('--graph-base-url', o.graphBaseUrl) } : {}),
    ...(o.authorityHost ? { authorityHost: valid.httpsUrl('--authority-host', o.authorityHost) } : {}),
  };
  return { cloud, endpoints: cloud ? resolveEndpoints(cloud, overrides) : overrides };
}
