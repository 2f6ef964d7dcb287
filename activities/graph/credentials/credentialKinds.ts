/**
 * How a connector proves its identity to Microsoft Entra. Each kind is one of @azure/identity's
 * own credential types (no hand-written OAuth): ClientSecretCredential, ClientCertificateCredential,
 * ClientAssertionCredential over a federated token file, ManagedIdentityCredential (a user-assigned
 * identity named by the connector's client id, or the host's system-assigned one, named by nothing).
 */
export const CredentialKind = {
  clientSecret: 'clientSecret',
  certificate: 'certificate',
  workloadIdentity: 'workloadIdentity',
  managedIdentity: 'managedIdentity',
  systemAssignedIdentity: 'systemAssignedIdentity',
} as const;

export type CredentialKind = (typeof CredentialKind)[keyof typeof CredentialKind];

export const CREDENTIAL_KINDS = Object.values(CredentialKind);

export function isCredentialKind(value: string): value is CredentialKind {
  return (CREDENTIAL_KINDS as string[]).includes(value);
}

/** Whether the kind has secret material sealed in connector_secrets (the others keep none). */
export const hasSealedMaterial = (kind: CredentialKind): boolean => kind === 'clientSecret' || kind === 'certificate';

/** How `connector show` and `connector test` name the kind. */
export const CREDENTIAL_LABELS: Record<CredentialKind, string> = {
  clientSecret: 'client secret',
  certificate: 'certificate',
  workloadIdentity: 'workload identity federation (federated token file)',
  managedIdentity: 'user-assigned managed identity',
  systemAssignedIdentity: 'system-assigned managed identity',
};
