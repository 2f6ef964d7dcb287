// The shape of a service principal (enterprise app) as the simulator stores it.

import type { AppRole, SignInAudience, VerifiedPublisher } from './applicationResource';
import { UNVERIFIED_PUBLISHER } from './applicationResource';
import type { KeyCredential, PasswordCredential } from './credentials';

/** Microsoft's own tenant: the owner of first-party apps such as Microsoft Graph. */
export const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

/** Stored service principal properties, named exactly as in Graph's JSON. */
export type ServicePrincipalProperties = {
  id: string;
  appId: string;
  displayName: string;
  appDisplayName: string | null;
  appDescription: string | null;
  description: string | null;
  servicePrincipalType: 'Application' | 'ManagedIdentity' | 'Legacy' | 'SocialIdp';
  /** Tenant that registered the app: this tenant, Microsoft, or a SaaS vendor's tenant. */
  appOwnerOrganizationId: string | null;
  accountEnabled: boolean;
  appRoleAssignmentRequired: boolean;
  appRoles: AppRole[];
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
  publisherName: string | null;
  verifiedPublisher: VerifiedPublisher;
  tags: string[];
  homepage: string | null;
  loginUrl: string | null;
  replyUrls: string[];
  servicePrincipalNames: string[];
  signInAudience: SignInAudience | null;
  preferredSingleSignOnMode: 'saml' | 'password' | 'oidc' | 'notSupported' | null;
  notificationEmailAddresses: string[];
  notes: string | null;
};

/**
 * Properties of the v1.0 servicePrincipal page (learn.microsoft.com/graph/api/resources/serviceprincipal)
 * a client may $select; those not stored come back null or []. Two are not on that page: createdDateTime,
 * which the service returns (the type is documented as open) and common clients select, and
 * publisherName, listed on beta only, kept because the connector selects it.
 */
export const SERVICE_PRINCIPAL_SELECTABLE_PROPERTIES: readonly string[] = [
  'accountEnabled', 'addIns', 'alternativeNames', 'appDescription', 'appDisplayName', 'appId',
  'applicationTemplateId', 'appOwnerOrganizationId', 'appRoleAssignmentRequired', 'appRoles',
  'createdDateTime', 'customSecurityAttributes',
  'deletedDateTime', 'description', 'disabledByMicrosoftStatus', 'displayName', 'homepage', 'id',
  'info', 'keyCredentials', 'loginUrl', 'logoutUrl', 'notes', 'notificationEmailAddresses',
  'oauth2PermissionScopes', 'passwordCredentials', 'preferredSingleSignOnMode',
  'preferredTokenSigningKeyThumbprint', 'publisherName', 'replyUrls', 'resourceSpecificApplicationPermissions',
  'samlSingleSignOnSettings', 'servicePrincipalNames', 'servicePrincipalType', 'signInAudience', 'tags',
  'tokenEncryptionKeyId', 'verifiedPublisher',
];

export const SERVICE_PRINCIPAL_COLLECTION_PROPERTIES: ReadonlySet<string> = new Set([
  'addIns', 'alternativeNames', 'appRoles', 'keyCredentials', 'notificationEmailAddresses',
  'oauth2PermissionScopes', 'passwordCredentials', 'replyUrls', 'resourceSpecificApplicationPermissions',
  'servicePrincipalNames', 'tags',
]);

export const SERVICE_PRINCIPAL_DEFAULT_PROPERTIES: readonly string[] = [
  'id', 'accountEnabled', 'appDescription', 'appDisplayName', 'appId', 'appOwnerOrganizationId',
  'appRoleAssignmentRequired', 'appRoles', 'description', 'displayName', 'homepage', 'keyCredentials',
  'loginUrl', 'notes', 'notificationEmailAddresses', 'passwordCredentials', 'preferredSingleSignOnMode',
  'publisherName', 'replyUrls', 'servicePrincipalNames', 'servicePrincipalType', 'signInAudience', 'tags',
  'verifiedPublisher',
];

/** Tags Entra puts on service principals that show up as enterprise apps in the portal. */
export const ENTERPRISE_APP_TAGS: readonly string[] = ['WindowsAzureActiveDirectoryIntegratedApp'];

export function completeNewServicePrincipal(
  input: Partial<ServicePrincipalProperties> & { id: string; appId: string },
  context: { tenantId: string },
): ServicePrincipalProperties {
  const displayName = input.displayName ?? `Service principal ${input.id.slice(0, 8)}`;
  return {
    displayName,
    appDisplayName: input.displayName ?? displayName,
    appDescription: null,
    description: null,
    servicePrincipalType: 'Application',
    appOwnerOrganizationId: context.tenantId,
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    appRoles: [],
    passwordCredentials: [],
    keyCredentials: [],
    publisherName: null,
    verifiedPublisher: { ...UNVERIFIED_PUBLISHER },
    tags: [...ENTERPRISE_APP_TAGS],
    homepage: null,
    loginUrl: null,
    replyUrls: [],
    servicePrincipalNames: [input.appId],
    signInAudience: 'AzureADMyOrg',
    preferredSingleSignOnMode: null,
    notificationEmailAddresses: [],
    notes: null,
    ...input,
  };
}
