/** The app registration (and its service principal) the connector authenticates as. */
export interface ClientApplication {
  clientId: string;
  clientSecret: string;
  displayName: string;
  /** Object id of the app's service principal in the tenant: the token's `oid`. */
  servicePrincipalId: string;
  /**
   * Application permissions with admin consent; they become the token's `roles`.
   * Changing them affects tokens issued afterwards only, as in Entra.
   */
  grantedPermissions: string[];
  /** When set and past, the token endpoint answers AADSTS7000222 (expired secret). */
  secretExpiresAt?: Date;
  /** Certificates registered on the app (their public part): client assertions must be signed by one. */
  certificates?: RegisteredCertificate[];
  /** Federated identity credentials: which external tokens the app accepts as its assertion. */
  federatedCredentials?: FederatedCredential[];
  /** Every client assertion the token endpoint accepted, oldest first: what tests assert on. */
  acceptedAssertions?: AcceptedAssertion[];
}

export type RegisteredCertificate = {
  /** Base64url SHA-1 and SHA-256 of the DER encoding: the `x5t` and `x5t#S256` header values. */
  x5t: string;
  x5tS256: string;
  publicKeyPem: string;
  notBefore: Date;
  notAfter: Date;
};

export type FederatedCredential = {
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  /**
   * The issuer's signing key (PEM). Entra fetches it from the issuer's OIDC discovery; the
   * simulator is given it with the credential, as it reaches no network.
   */
  issuerPublicKeyPem: string;
};

export type AcceptedAssertion = { kind: 'certificate'; thumbprint: string; jti: string } | { kind: 'federated'; credential: string; subject: string; jti?: string };

/** What a full sync needs (docs/graph-behaviour.md). */
export const DEFAULT_GRANTED_PERMISSIONS: readonly string[] = [
  'User.Read.All',
  'Group.Read.All',
  'Application.Read.All',
  'AppRoleAssignment.Read.All',
  'RoleManagement.Read.Directory',
  'AuditLog.Read.All',
  'AdministrativeUnit.Read.All',
  'PrivilegedEligibilitySchedule.Read.AzureADGroup',
  'PrivilegedAssignmentSchedule.Read.AzureADGroup',
];
