// The shape of an app registration as the simulator stores it, and what Graph lets a client $select.

import type { KeyCredential, PasswordCredential } from './credentials';
import { graphDateTime } from './userResource';

export interface AppRole {
  allowedMemberTypes: Array<'User' | 'Application'>;
  description: string;
  displayName: string;
  id: string;
  isEnabled: boolean;
  origin: 'Application';
  value: string | null;
}

export interface VerifiedPublisher {
  displayName: string | null;
  verifiedPublisherId: string | null;
  addedDateTime: string | null;
}

export const UNVERIFIED_PUBLISHER: VerifiedPublisher = { displayName: null, verifiedPublisherId: null, addedDateTime: null };

export interface RequiredResourceAccess {
  resourceAppId: string;
  resourceAccess: Array<{ id: string; type: 'Role' | 'Scope' }>;
}

export type SignInAudience = 'AzureADMyOrg' | 'AzureADMultipleOrgs' | 'AzureADandPersonalMicrosoftAccount' | 'PersonalMicrosoftAccount';

/** Stored application properties, named exactly as in Graph's JSON. */
export type ApplicationProperties = {
  id: string;
  appId: string;
  displayName: string;
  description: string | null;
  signInAudience: SignInAudience;
  publisherDomain: string;
  verifiedPublisher: VerifiedPublisher;
  appRoles: AppRole[];
  requiredResourceAccess: RequiredResourceAccess[];
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
  identifierUris: string[];
  tags: string[];
  notes: string | null;
  web: { homePageUrl: string | null; redirectUris: string[]; logoutUrl: string | null };
  createdDateTime: string;
};

/** Properties of the v1.0 application page (learn.microsoft.com/graph/api/resources/application); those not stored come back null or []. */
export const APPLICATION_SELECTABLE_PROPERTIES: readonly string[] = [
  'addIns', 'api', 'appId', 'applicationTemplateId', 'appRoles', 'authenticationBehaviors', 'certification', 'createdDateTime',
  'defaultRedirectUri', 'deletedDateTime', 'description', 'disabledByMicrosoftStatus', 'displayName',
  'groupMembershipClaims', 'id', 'identifierUris', 'info', 'isDeviceOnlyAuthSupported',
  'isFallbackPublicClient', 'keyCredentials', 'logo', 'nativeAuthenticationApisEnabled', 'notes',
  'oauth2RequirePostResponse', 'optionalClaims', 'parentalControlSettings', 'passwordCredentials',
  'publicClient', 'publisherDomain', 'requestSignatureVerification', 'requiredResourceAccess',
  'samlMetadataUrl', 'serviceManagementReference', 'servicePrincipalLockConfiguration',
  'signInAudience', 'spa', 'tags', 'tokenEncryptionKeyId', 'uniqueName', 'verifiedPublisher', 'web',
];

export const APPLICATION_COLLECTION_PROPERTIES: ReadonlySet<string> = new Set([
  'addIns', 'appRoles', 'identifierUris', 'keyCredentials', 'passwordCredentials', 'requiredResourceAccess', 'tags',
]);

export const APPLICATION_DEFAULT_PROPERTIES: readonly string[] = [
  'id', 'appId', 'appRoles', 'createdDateTime', 'description', 'displayName', 'identifierUris',
  'keyCredentials', 'notes', 'passwordCredentials', 'publisherDomain', 'requiredResourceAccess',
  'signInAudience', 'tags', 'verifiedPublisher', 'web',
];

export function completeNewApplication(
  input: Partial<ApplicationProperties> & { id: string; appId: string },
  context: { domain: string; now: Date },
): ApplicationProperties {
  return {
    displayName: input.displayName ?? `App ${input.id.slice(0, 8)}`,
    description: null,
    signInAudience: 'AzureADMyOrg',
    publisherDomain: context.domain,
    verifiedPublisher: { ...UNVERIFIED_PUBLISHER },
    appRoles: [],
    requiredResourceAccess: [],
    passwordCredentials: [],
    keyCredentials: [],
    identifierUris: [],
    tags: [],
    notes: null,
    web: { homePageUrl: null, redirectUris: [], logoutUrl: null },
    createdDateTime: graphDateTime(context.now),
    ...input,
  };
}
