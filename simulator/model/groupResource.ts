// The shape of a group as the simulator stores it, and what Graph lets a client $select.

import { graphDateTime } from './userResource';

/** Stored group properties, named exactly as in Graph's JSON. */
export type GroupProperties = {
  id: string;
  displayName: string;
  description: string | null;
  mail: string | null;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  /** 'Unified' = Microsoft 365 group; 'DynamicMembership' = rule-based members. */
  groupTypes: string[];
  membershipRule: string | null;
  membershipRuleProcessingState: 'On' | 'Paused' | null;
  /** Role-assignable groups can hold directory roles; set only at creation. */
  isAssignableToRole: boolean | null;
  visibility: 'Private' | 'Public' | 'HiddenMembership' | null;
  classification: string | null;
  createdDateTime: string;
  renewedDateTime: string;
  expirationDateTime: string | null;
  onPremisesSyncEnabled: boolean | null;
  securityIdentifier: string;
  proxyAddresses: string[];
  resourceProvisioningOptions: string[];
};

/**
 * Properties of the v1.0 group page (learn.microsoft.com/graph/api/resources/group) a client may
 * $select; those not stored come back null or []. Graph serves the Exchange ones (allowExternalSenders,
 * autoSubscribeNewMembers, hideFrom*, isSubscribedByMail, unseenCount) on a single group only; the
 * simulator does not make that distinction.
 */
export const GROUP_SELECTABLE_PROPERTIES: readonly string[] = [
  'allowExternalSenders', 'assignedLabels', 'assignedLicenses', 'autoSubscribeNewMembers', 'classification',
  'createdDateTime', 'deletedDateTime', 'description', 'displayName', 'expirationDateTime', 'groupTypes',
  'hasMembersWithLicenseErrors', 'hideFromAddressLists', 'hideFromOutlookClients', 'id', 'isArchived',
  'isAssignableToRole', 'isManagementRestricted', 'isSubscribedByMail',
  'licenseProcessingState', 'mail', 'mailEnabled', 'mailNickname', 'membershipRule',
  'membershipRuleProcessingState', 'onPremisesDomainName', 'onPremisesLastSyncDateTime',
  'onPremisesNetBiosName', 'onPremisesProvisioningErrors', 'onPremisesSamAccountName',
  'onPremisesSecurityIdentifier', 'onPremisesSyncEnabled', 'preferredDataLocation',
  'preferredLanguage', 'proxyAddresses', 'renewedDateTime', 'resourceBehaviorOptions',
  'resourceProvisioningOptions', 'securityEnabled', 'securityIdentifier', 'serviceProvisioningErrors',
  'theme', 'uniqueName', 'unseenCount', 'visibility',
];

export const GROUP_COLLECTION_PROPERTIES: ReadonlySet<string> = new Set([
  'assignedLabels', 'assignedLicenses', 'groupTypes', 'onPremisesProvisioningErrors', 'proxyAddresses',
  'resourceBehaviorOptions', 'resourceProvisioningOptions', 'serviceProvisioningErrors',
]);

/** What Graph returns for groups when the client sends no $select (the stored set). */
export const GROUP_DEFAULT_PROPERTIES: readonly string[] = [
  'id', 'classification', 'createdDateTime', 'description', 'displayName', 'expirationDateTime',
  'groupTypes', 'isAssignableToRole', 'mail', 'mailEnabled', 'mailNickname', 'membershipRule',
  'membershipRuleProcessingState', 'onPremisesSyncEnabled', 'proxyAddresses', 'renewedDateTime',
  'resourceProvisioningOptions', 'securityEnabled', 'securityIdentifier', 'visibility',
];

export function isDynamicGroup(group: Pick<GroupProperties, 'groupTypes'>): boolean {
  return group.groupTypes.includes('DynamicMembership');
}

/** Fills what a caller left out when creating a group: a plain security group by default. */
export function completeNewGroup(
  input: Partial<GroupProperties> & { id: string },
  context: { domain: string; now: Date },
): GroupProperties {
  const displayName = input.displayName ?? `Group ${input.id.slice(0, 8)}`;
  const mailNickname =
    input.mailNickname ?? (displayName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || input.id.slice(0, 8));
  const groupTypes = input.groupTypes ?? [];
  const mailEnabled = input.mailEnabled ?? groupTypes.includes('Unified');
  const created = graphDateTime(context.now);
  const dynamic = groupTypes.includes('DynamicMembership');
  return {
    displayName,
    description: null,
    mail: mailEnabled ? `${mailNickname}@${context.domain}` : null,
    mailNickname,
    mailEnabled,
    securityEnabled: !groupTypes.includes('Unified') || !mailEnabled,
    groupTypes,
    membershipRule: dynamic ? 'user.accountEnabled -eq true' : null,
    membershipRuleProcessingState: dynamic ? 'On' : null,
    isAssignableToRole: null,
    visibility: groupTypes.includes('Unified') ? 'Private' : null,
    classification: null,
    createdDateTime: created,
    renewedDateTime: created,
    expirationDateTime: null,
    onPremisesSyncEnabled: null,
    securityIdentifier: securityIdentifierFor(input.id),
    proxyAddresses: mailEnabled ? [`SMTP:${mailNickname}@${context.domain}`] : [],
    resourceProvisioningOptions: [],
    ...input,
  };
}

/** Entra's SID for cloud objects: S-1-12-1- and the object id's 16 bytes as four little-endian uint32. */
export function securityIdentifierFor(objectId: string): string {
  const hex = objectId.replace(/-/g, '');
  // GUID byte order: the first three fields are stored little-endian.
  const bytes = Buffer.from(
    hex.slice(6, 8) + hex.slice(4, 6) + hex.slice(2, 4) + hex.slice(0, 2) + hex.slice(10, 12) + hex.slice(8, 10) +
      hex.slice(14, 16) + hex.slice(12, 14) + hex.slice(16),
    'hex',
  );
  const words = [0, 4, 8, 12].map((offset) => (bytes.length >= offset + 4 ? bytes.readUInt32LE(offset) : 0));
  return `S-1-12-1-${words.join('-')}`;
}
