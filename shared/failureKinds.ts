/**
 * Every kind of failure a run can record (sync_runs.error_kind, the workflow's failure type).
 * README.md's troubleshooting table has one row per kind, with its fix. Plain data: workflows,
 * activities, workers and the CLI all import it.
 */
export const FailureKind = {
  // The app's credentials (token requests to Microsoft Entra).
  InvalidClientSecret: 'InvalidClientSecret',
  ExpiredClientSecret: 'ExpiredClientSecret',
  UnknownApplication: 'UnknownApplication',
  UnknownTenant: 'UnknownTenant',
  MalformedTenant: 'MalformedTenant',
  AuthenticationFailed: 'AuthenticationFailed',
  // Certificates, workload identity federation and managed identity (issue 16).
  CertificateNotRegistered: 'CertificateNotRegistered',
  ExpiredCertificate: 'ExpiredCertificate',
  UnreadableCertificate: 'UnreadableCertificate',
  ClientAssertionRejected: 'ClientAssertionRejected',
  FederatedCredentialMismatch: 'FederatedCredentialMismatch',
  FederatedTokenUnavailable: 'FederatedTokenUnavailable',
  ManagedIdentityUnavailable: 'ManagedIdentityUnavailable',
  // Microsoft Graph.
  MissingPermission: 'MissingPermission',
  GraphThrottled: 'GraphThrottled',
  GraphUnavailable: 'GraphUnavailable',
  GraphBadResponse: 'GraphBadResponse',
  GraphRequestRejected: 'GraphRequestRejected',
  DeltaResyncLoop: 'DeltaResyncLoop',
  // The connector and its secret.
  ConnectorNotFound: 'ConnectorNotFound',
  ConnectorDisabled: 'ConnectorDisabled',
  MissingClientSecret: 'MissingClientSecret',
  EncryptionKeyMissing: 'EncryptionKeyMissing',
  ConnectorSecretUnreadable: 'ConnectorSecretUnreadable',
  // The database.
  DatabasePermissionDenied: 'DatabasePermissionDenied',
  // The run itself.
  NoDiscoveryWorker: 'NoDiscoveryWorker',
  RunNotResumable: 'RunNotResumable',
  CursorConflict: 'CursorConflict',
  Cancelled: 'Cancelled',
  Abandoned: 'Abandoned',
  // Tail passes (docs/run-lifecycle.md): benign, the tail goes on.
  TailPassYielded: 'TailPassYielded',
  TailNeedsFullRun: 'TailNeedsFullRun',
} as const;

export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];
