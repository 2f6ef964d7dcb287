// The vocabulary of the tenant store: stream names, stored shapes per stream, mutation inputs.

import type { ApplicationProperties } from '../model/applicationResource';
import type { NewKeyCredential, NewPasswordCredential } from '../model/credentials';
import type { AuditInitiator, DirectoryAudit } from '../model/directoryAudit';
import type { ObjectState } from '../model/directoryStream';
import type { GroupProperties } from '../model/groupResource';
import type { OAuth2PermissionGrant } from '../model/permissionGrants';
import type { ServicePrincipalProperties } from '../model/servicePrincipalResource';
import type { SignIn } from '../model/signIn';
import type { UserProperties } from '../model/userResource';

/** Names of delta-trackable streams. */
export type StreamName = 'users' | 'groups' | 'applications' | 'servicePrincipals';
export const STREAM_NAMES: readonly StreamName[] = ['users', 'groups', 'applications', 'servicePrincipals'];

/** Stored properties per stream. */
export interface StreamObjects {
  users: UserProperties;
  groups: GroupProperties;
  applications: ApplicationProperties;
  servicePrincipals: ServicePrincipalProperties;
}

export interface TenantIdentity {
  tenantId: string;
  /** Initial domain, e.g. contoso.onmicrosoft.com: used in UPNs and accepted as tenant alias. */
  domain: string;
  displayName: string;
}

export type NewUser = Partial<UserProperties>;
export type UserPatch = Partial<Omit<UserProperties, 'id'>>;
export type NewGroup = Partial<GroupProperties>;
export type GroupPatch = Partial<Omit<GroupProperties, 'id'>>;
export type NewApplication = Partial<ApplicationProperties>;
export type ApplicationPatch = Partial<Omit<ApplicationProperties, 'id' | 'appId'>>;
export type NewServicePrincipal = Partial<ServicePrincipalProperties>;
export type ServicePrincipalPatch = Partial<Omit<ServicePrincipalProperties, 'id' | 'appId'>>;
export type PropertyPatch<S extends StreamName> = Partial<Omit<StreamObjects[S], 'id'>>;

export type WithState<P> = P & { state: ObjectState };

export interface NewAppRoleAssignment {
  resourceId: string;
  principalId: string;
  /** Default: the all-zero "Default access" role. */
  appRoleId?: string;
  id?: string;
  createdDateTime?: string;
}

export interface NewRoleAssignment {
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId?: string;
  appScopeId?: string | null;
  id?: string;
}

/** A PIM eligibility for a directory role; no end means eligible permanently. */
export interface NewRoleEligibility {
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId?: string;
  appScopeId?: string | null;
  startDateTime?: string;
  endDateTime?: string | null;
  id?: string;
}

export interface NewPermissionGrant {
  clientId: string;
  resourceId: string;
  consentType?: OAuth2PermissionGrant['consentType'];
  principalId?: string | null;
  scope: string;
  id?: string;
}

export type NewDirectoryAudit = Partial<Omit<DirectoryAudit, 'activityDisplayName'>> & { activityDisplayName: string };
export type { NewKeyCredential, NewPasswordCredential };
export type NewSignIn = Partial<SignIn> & { userId: string; appId: string };

/** Who performed a change, for the audit event it leaves behind. */
export interface ChangeOptions {
  actor?: AuditInitiator;
  /** Leave no audit event: a change the audit log missed (or that arrived after the overlap). */
  silent?: boolean;
}

export interface TenantStoreOptions {
  seed: number;
  now?: () => Date;
  /** Entra ID P1/P2 licence: sign-in logs need it. Default true. */
  premium?: boolean;
  /** Entra ID P2 or ID Governance licence: PIM's schedule APIs need it. Default true. */
  pimLicensed?: boolean;
}
