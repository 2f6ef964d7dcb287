
/**
 * What one connector authenticates with. Secret material (a client secret, a certificate's
 * private key or a PFX and its password) only lives in memory and sealed in PostgreSQL; the
 * federated token file is a path, re-read at every token request.
 */
export type CertificateMaterial = { format: 'pem'; pem: string; password?: string } | { format: 'pfx'; pfx: string; password: string };

export type CredentialMaterial =
  | { kind: 'clientSecret'; secret: string }
  | { kind: 'certificate'; certificate: CertificateMaterial }
  | { kind: 'workloadIdentity'; tokenFile: string }
  | { kind: 'managedIdentity' }
  | { kind: 'systemAssignedIdentity' };

/** The strings a redactor must remove from any message: every piece of secret material. */
export function secretStrings(material: CredentialMaterial): string[] {
  switch (material.kind) {
    case 'clientSecret':
      return [material.secret];
    case 'certificate': {
      const c = material.certificate;
      const body = c.format === 'pem' ? c.pem : c.pfx;
      return [body, ...(c.password ? [c.password] : [])].filter((s) => s.length >= 4);
    }
    default:
      return [];
  }
}

export function redactor(material: CredentialMaterial): (text: string) => string {
  const secrets = secretStrings(material);
  return (text) => secrets.reduce((t, s) => t.split(s).join('[redacted]'), text);
}

/** The sealed form of a certificate (connector_secrets holds one string per connector). */
export const sealCertificate = (c: CertificateMaterial): string => JSON.stringify(c);

export function unsealCertificate(text: string): CertificateMaterial {
  const value = JSON.parse(text) as CertificateMaterial;
  if (value.format !== 'pem' && value.format !== 'pfx') throw new Error('not a sealed certificate');
  return value;
}

