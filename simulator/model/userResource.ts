// The shape of a user as the simulator stores it, and what Graph lets a client $select.

export type UserType = 'Member' | 'Guest';

/** Stored user properties, named exactly as in Graph's JSON. */
export type UserProperties = {
  id: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  userPrincipalName: string;
  mail: string | null;
  mailNickname: string;
  otherMails: string[];
  userType: UserType;
  accountEnabled: boolean;
  createdDateTime: string;
  creationType: string | null;
  externalUserState: string | null;
  externalUserStateChangeDateTime: string | null;
  jobTitle: string | null;
  department: string | null;
  companyName: string | null;
  officeLocation: string | null;
  city: string | null;
  country: string | null;
  usageLocation: string | null;
  preferredLanguage: string | null;
  businessPhones: string[];
  mobilePhone: string | null;
  employeeId: string | null;
  lastPasswordChangeDateTime: string | null;
  onPremisesSyncEnabled: boolean | null;
  onPremisesImmutableId: string | null;
  onPremisesSamAccountName: string | null;
  onPremisesLastSyncDateTime: string | null;
};

/**
 * Properties of the v1.0 user page (learn.microsoft.com/graph/api/resources/user) a client may $select;
 * those not stored come back null or []. signInActivity is added by the list endpoint only.
 */
export const USER_SELECTABLE_PROPERTIES: readonly string[] = [
  'aboutMe', 'accountEnabled', 'ageGroup', 'assignedLicenses', 'assignedPlans', 'authorizationInfo', 'birthday',
  'businessPhones', 'city', 'companyName', 'consentProvidedForMinor', 'country', 'createdDateTime',
  'creationType', 'customSecurityAttributes', 'deletedDateTime', 'department', 'deviceEnrollmentLimit',
  'displayName', 'employeeHireDate', 'employeeId',
  'employeeLeaveDateTime', 'employeeOrgData', 'employeeType', 'externalUserState',
  'externalUserStateChangeDateTime', 'faxNumber', 'givenName', 'hireDate', 'id', 'identities',
  'imAddresses', 'interests', 'isManagementRestricted', 'isResourceAccount', 'jobTitle', 'lastPasswordChangeDateTime',
  'legalAgeGroupClassification', 'licenseAssignmentStates', 'mail', 'mailboxSettings', 'mailNickname', 'mobilePhone',
  'mySite', 'officeLocation', 'onPremisesDistinguishedName', 'onPremisesDomainName',
  'onPremisesExtensionAttributes', 'onPremisesImmutableId', 'onPremisesLastSyncDateTime',
  'onPremisesProvisioningErrors', 'onPremisesSamAccountName', 'onPremisesSecurityIdentifier',
  'onPremisesSyncEnabled', 'onPremisesUserPrincipalName', 'otherMails', 'passwordPolicies',
  'passwordProfile', 'pastProjects', 'postalCode', 'preferredDataLocation', 'preferredLanguage',
  'preferredName', 'print', 'provisionedPlans', 'proxyAddresses', 'responsibilities', 'schools',
  'securityIdentifier', 'serviceProvisioningErrors', 'showInAddressList', 'signInSessionsValidFromDateTime', 'skills', 'state',
  'streetAddress', 'surname', 'usageLocation', 'userPrincipalName', 'userType',
];

/** Collection-valued properties: Graph answers [] rather than null when they are empty. */
export const USER_COLLECTION_PROPERTIES: ReadonlySet<string> = new Set([
  'assignedLicenses', 'assignedPlans', 'businessPhones', 'identities', 'imAddresses', 'interests',
  'licenseAssignmentStates', 'onPremisesProvisioningErrors', 'otherMails', 'pastProjects',
  'provisionedPlans', 'proxyAddresses', 'responsibilities', 'schools', 'serviceProvisioningErrors', 'skills',
]);

/** What Graph returns for users when the client sends no $select. */
export const USER_DEFAULT_PROPERTIES: readonly string[] = [
  'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone',
  'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id',
];

/** Fills what a caller left out when creating a user, the way the portal would. */
export function completeNewUser(
  input: Partial<UserProperties> & { id: string },
  context: { domain: string; now: Date },
): UserProperties {
  const givenName = input.givenName ?? null;
  const surname = input.surname ?? null;
  const displayName =
    input.displayName ?? ([givenName, surname].filter(Boolean).join(' ') || `User ${input.id.slice(0, 8)}`);
  const nickname =
    input.mailNickname ??
    (displayName.toLowerCase().replace(/[^a-z0-9]+/g, '.').replace(/^\.|\.$/g, '') || input.id.slice(0, 8));
  const userType = input.userType ?? 'Member';
  const userPrincipalName = input.userPrincipalName ?? `${nickname}@${context.domain}`;
  const createdDateTime = input.createdDateTime ?? graphDateTime(context.now);
  return {
    ...blankUser(input.id),
    displayName,
    givenName,
    surname,
    userPrincipalName,
    mail: input.mail !== undefined ? input.mail : userType === 'Member' ? userPrincipalName : null,
    mailNickname: nickname,
    userType,
    createdDateTime,
    creationType: userType === 'Guest' ? 'Invitation' : null,
    externalUserState: userType === 'Guest' ? 'PendingAcceptance' : null,
    externalUserStateChangeDateTime: userType === 'Guest' ? createdDateTime : null,
    lastPasswordChangeDateTime: userType === 'Member' ? createdDateTime : null,
    ...input,
  };
}

/** Every user property at its empty value: what creation and the generator fill in from. */
export function blankUser(id: string): UserProperties {
  return {
    id,
    displayName: '',
    givenName: null,
    surname: null,
    userPrincipalName: '',
    mail: null,
    mailNickname: '',
    otherMails: [],
    userType: 'Member',
    accountEnabled: true,
    createdDateTime: '',
    creationType: null,
    externalUserState: null,
    externalUserStateChangeDateTime: null,
    jobTitle: null,
    department: null,
    companyName: null,
    officeLocation: null,
    city: null,
    country: null,
    usageLocation: null,
    preferredLanguage: null,
    businessPhones: [],
    mobilePhone: null,
    employeeId: null,
    lastPasswordChangeDateTime: null,
    onPremisesSyncEnabled: null,
    onPremisesImmutableId: null,
    onPremisesSamAccountName: null,
    onPremisesLastSyncDateTime: null,
  };
}

/** Graph's DateTimeOffset rendering: UTC, whole seconds, trailing Z. */
export function graphDateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
