import { z } from 'zod';

// Bodies of the /_sim routes that create and change groups, apps, service principals and their
// relationships. Unknown fields are refused so typos do not pass silently.

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
const nullableText = z.string().nullable();
const dateTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not a date-time');

const appRole = z.strictObject({
  allowedMemberTypes: z.array(z.enum(['User', 'Application'])).min(1),
  description: z.string(),
  displayName: z.string(),
  id: guid,
  isEnabled: z.boolean(),
  origin: z.literal('Application').default('Application'),
  value: nullableText,
});

const verifiedPublisher = z.strictObject({
  displayName: nullableText,
  verifiedPublisherId: nullableText,
  addedDateTime: nullableText,
});

const groupFields = {
  displayName: z.string().min(1),
  description: nullableText,
  mail: nullableText,
  mailNickname: z.string().min(1),
  mailEnabled: z.boolean(),
  securityEnabled: z.boolean(),
  groupTypes: z.array(z.string()),
  membershipRule: nullableText,
  membershipRuleProcessingState: z.enum(['On', 'Paused']).nullable(),
  visibility: z.enum(['Private', 'Public', 'HiddenMembership']).nullable(),
  classification: nullableText,
  createdDateTime: dateTime,
  renewedDateTime: dateTime,
  expirationDateTime: dateTime.nullable(),
  onPremisesSyncEnabled: z.boolean().nullable(),
  proxyAddresses: z.array(z.string()),
  resourceProvisioningOptions: z.array(z.string()),
};

/** isAssignableToRole can only be set when the group is created, as in Entra. */
export const newGroupSchema = z.strictObject({ id: guid, isAssignableToRole: z.boolean().nullable(), ...groupFields }).partial();
export const groupPatchSchema = z.strictObject(groupFields).partial();

const applicationFields = {
  displayName: z.string().min(1),
  description: nullableText,
  signInAudience: z.enum(['AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount']),
  publisherDomain: z.string(),
  verifiedPublisher,
  appRoles: z.array(appRole),
  requiredResourceAccess: z.array(
    z.strictObject({ resourceAppId: z.string(), resourceAccess: z.array(z.strictObject({ id: guid, type: z.enum(['Role', 'Scope']) })) }),
  ),
  identifierUris: z.array(z.string()),
  tags: z.array(z.string()),
  notes: nullableText,
  web: z.strictObject({ homePageUrl: nullableText, redirectUris: z.array(z.string()), logoutUrl: nullableText }),
  createdDateTime: dateTime,
};

/** Credentials go through the credential routes (Graph's addPassword / addKey), not PATCH. */
export const newApplicationSchema = z.strictObject({ id: guid, appId: guid, ...applicationFields }).partial();
export const applicationPatchSchema = z.strictObject(applicationFields).partial();

const servicePrincipalFields = {
  displayName: z.string().min(1),
  appDisplayName: nullableText,
  appDescription: nullableText,
  description: nullableText,
  servicePrincipalType: z.enum(['Application', 'ManagedIdentity', 'Legacy', 'SocialIdp']),
  appOwnerOrganizationId: guid.nullable(),
  accountEnabled: z.boolean(),
  appRoleAssignmentRequired: z.boolean(),
  appRoles: z.array(appRole),
  publisherName: nullableText,
  verifiedPublisher,
  tags: z.array(z.string()),
  homepage: nullableText,
  loginUrl: nullableText,
  replyUrls: z.array(z.string()),
  servicePrincipalNames: z.array(z.string()),
  signInAudience: z.enum(['AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount']).nullable(),
  preferredSingleSignOnMode: z.enum(['saml', 'password', 'oidc', 'notSupported']).nullable(),
  notificationEmailAddresses: z.array(z.string()),
  notes: nullableText,
};

export const newServicePrincipalSchema = z.strictObject({ id: guid, appId: guid, ...servicePrincipalFields }).partial();
export const servicePrincipalPatchSchema = z.strictObject(servicePrincipalFields).partial();

/** Who a change is attributed to in the audit log (default: the tenant's default actor). */
// silent: the change leaves no audit event (tests of what an incremental reconciliation misses).
const actorFields = { actorUserId: guid.optional(), actorServicePrincipalId: guid.optional(), silent: z.boolean().optional() };
export const actorSchema = z.strictObject(actorFields);

export const memberSchema = z.strictObject({ memberId: guid });
export const groupOwnerSchema = z.strictObject({ ownerId: guid });
export const ownerSchema = z.strictObject({ ownerId: guid, ...actorFields });
export const syntheticObjectSchema = z.strictObject({ kind: z.enum(['device', 'orgContact']), id: guid.optional() });

export const passwordCredentialSchema = z.strictObject({
  keyId: guid.optional(),
  displayName: nullableText.optional(),
  startDateTime: dateTime.optional(),
  endDateTime: dateTime.optional(),
  ...actorFields,
});

export const keyCredentialSchema = z.strictObject({
  keyId: guid.optional(),
  displayName: z.string().optional(),
  startDateTime: dateTime.optional(),
  endDateTime: dateTime.optional(),
  customKeyIdentifier: z.string().optional(),
  ...actorFields,
});

export const appRoleAssignmentSchema = z.strictObject({
  principalId: guid,
  appRoleId: guid.optional(),
  id: z.string().min(1).optional(),
  createdDateTime: dateTime.optional(),
  ...actorFields,
});

export const roleAssignmentSchema = z.strictObject({
  principalId: guid,
  roleDefinitionId: guid,
  directoryScopeId: z.string().startsWith('/').optional(),
  appScopeId: z.string().nullable().optional(),
  id: z.string().min(1).optional(),
  ...actorFields,
});

export const permissionGrantSchema = z.strictObject({
  clientId: guid,
  resourceId: guid,
  consentType: z.enum(['AllPrincipals', 'Principal']).optional(),
  principalId: guid.nullable().optional(),
  scope: z.string(),
  id: z.string().min(1).optional(),
  ...actorFields,
});

const auditUser = z.strictObject({ id: guid, displayName: nullableText, userPrincipalName: nullableText, ipAddress: nullableText.default(null) });
const auditApp = z.strictObject({ appId: nullableText, displayName: nullableText, servicePrincipalId: nullableText, servicePrincipalName: nullableText.default(null) });

export const directoryAuditSchema = z.strictObject({
  activityDisplayName: z.string().min(1),
  id: z.string().min(1).optional(),
  category: z.string().optional(),
  correlationId: z.string().optional(),
  result: z.enum(['success', 'failure', 'timeout', 'unknownFutureValue']).optional(),
  resultReason: z.string().optional(),
  activityDateTime: dateTime.optional(),
  loggedByService: z.string().optional(),
  operationType: z.string().optional(),
  initiatedBy: z.strictObject({ user: auditUser.nullable(), app: auditApp.nullable() }).optional(),
  targetResources: z
    .array(
      z.strictObject({
        id: z.string(),
        displayName: nullableText,
        type: z.string(),
        userPrincipalName: nullableText.default(null),
        groupType: nullableText.default(null),
        modifiedProperties: z.array(z.strictObject({ displayName: z.string(), oldValue: nullableText, newValue: nullableText })).default([]),
      }),
    )
    .optional(),
  additionalDetails: z.array(z.strictObject({ key: z.string(), value: z.string() })).optional(),
});

export const signInSchema = z.strictObject({
  userId: guid,
  appId: guid,
  id: z.string().min(1).optional(),
  createdDateTime: dateTime.optional(),
  appDisplayName: z.string().optional(),
  ipAddress: z.string().optional(),
  clientAppUsed: z.string().optional(),
  resourceDisplayName: z.string().optional(),
  resourceId: z.string().optional(),
  isInteractive: z.boolean().optional(),
  status: z.strictObject({ errorCode: z.number().int(), failureReason: nullableText.default(null), additionalDetails: nullableText.default(null) }).optional(),
});

export const premiumSchema = z.strictObject({ premium: z.boolean() });
