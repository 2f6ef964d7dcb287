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
}

/** What a full sync needs (docs/graph-behaviour.md). */
export const DEFAULT_GRANTED_PERMISSIONS: readonly string[] = [
  'User.Read.All',
  'Group.Read.All',
  'Application.Read.All',
  'AppRoleAssignment.Read.All',
  'RoleManagement.Read.Directory',
  'AuditLog.Read.All',
];
