import { z } from 'zod';

const nullableText = z.string().nullable();

/** Writable user properties through the control API; unknown names are refused. */
const userFields = {
  displayName: z.string().min(1),
  givenName: nullableText,
  surname: nullableText,
  userPrincipalName: z.string().min(3),
  mail: nullableText,
  mailNickname: z.string().min(1),
  otherMails: z.array(z.string()),
  userType: z.enum(['Member', 'Guest']),
  accountEnabled: z.boolean(),
  createdDateTime: z.string(),
  creationType: nullableText,
  externalUserState: nullableText,
  externalUserStateChangeDateTime: nullableText,
  jobTitle: nullableText,
  department: nullableText,
  companyName: nullableText,
  officeLocation: nullableText,
  city: nullableText,
  country: nullableText,
  usageLocation: nullableText,
  preferredLanguage: nullableText,
  businessPhones: z.array(z.string()),
  mobilePhone: nullableText,
  employeeId: nullableText,
  lastPasswordChangeDateTime: nullableText,
  onPremisesSyncEnabled: z.boolean().nullable(),
  onPremisesImmutableId: nullableText,
  onPremisesSamAccountName: nullableText,
  onPremisesLastSyncDateTime: nullableText,
};

export const newUserSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i).optional(),
  ...userFields,
}).partial();

export const userPatchSchema = z.strictObject(userFields).partial();

export const clockAdvanceSchema = z.strictObject({ seconds: z.number().min(0) });

export const streamSelectorSchema = z.strictObject({ stream: z.string().min(1).optional() });

export const permissionsSchema = z.strictObject({ permissions: z.array(z.string().min(1)) });

export const deltaSettingsSchema = z.strictObject({
  pageSize: z.number().int().min(1).max(5000).optional(),
  duplicates: z.boolean().optional(),
  maxAgeSeconds: z.number().min(0).optional(),
  membersPerEntry: z.number().int().min(1).max(5000).optional(),
  changedPropertiesOnly: z.boolean().optional(),
  removedInInitialRound: z.boolean().optional(),
  repeatUnchangedDeltaLink: z.boolean().optional(),
  bareResyncLocation: z.boolean().optional(),
  expiredTokenAnswer: z.strictObject({ status: z.union([z.literal(400), z.literal(410)]), code: z.string().min(1) }).optional(),
});
