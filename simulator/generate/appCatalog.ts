// Data, no behaviour: well-known apps whose service principals live in most tenants without
// an app registration there (Microsoft first-party apps and SaaS vendors' multi-tenant apps).

export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Microsoft Graph application permissions (app roles) with their real ids. */
export const GRAPH_APP_ROLES: ReadonlyArray<{ id: string; value: string; displayName: string }> = [
  { id: 'df021288-bdef-4463-88db-98f22de89214', value: 'User.Read.All', displayName: "Read all users' full profiles" },
  { id: '5b567255-7703-4780-807c-7be8301ae99b', value: 'Group.Read.All', displayName: 'Read all groups' },
  { id: '98830695-27a2-44f7-8c18-0c3ebc9698f6', value: 'GroupMember.Read.All', displayName: 'Read all group memberships' },
  { id: '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30', value: 'Application.Read.All', displayName: 'Read all applications' },
  { id: '7ab1d382-f21e-4acd-a863-ba3e13f7da61', value: 'Directory.Read.All', displayName: 'Read directory data' },
  { id: 'b0afded3-3588-46d8-8b3d-9842eff778da', value: 'AuditLog.Read.All', displayName: 'Read all audit log data' },
  { id: '483bed4a-2ad3-4361-a73b-c83ccdbdc53c', value: 'RoleManagement.Read.Directory', displayName: 'Read all directory RBAC settings' },
  { id: '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9', value: 'Application.ReadWrite.All', displayName: 'Read and write all applications' },
  { id: '741f803b-c850-494e-b5df-cde7c675a1ca', value: 'User.ReadWrite.All', displayName: "Read and write all users' full profiles" },
  { id: '810c84a8-4a9e-49e6-bf7d-12d183f40d01', value: 'Mail.Read', displayName: 'Read mail in all mailboxes' },
  { id: '75359482-378d-4052-8f01-80520e7db3cd', value: 'Files.ReadWrite.All', displayName: 'Read and write files in all site collections' },
];

/** Delegated scopes clients commonly consent to (space-separated in oauth2PermissionGrants). */
export const COMMON_DELEGATED_SCOPES: readonly string[] = [
  'openid', 'profile', 'email', 'offline_access', 'User.Read', 'User.ReadBasic.All', 'Mail.Read',
  'Calendars.Read', 'Files.Read', 'Files.ReadWrite.All', 'Sites.Read.All', 'Group.Read.All', 'Directory.Read.All',
];

export interface CatalogApp {
  appId: string;
  displayName: string;
  publisherName: string;
  homepage: string | null;
  /** SaaS vendors: the vendor's tenant; first-party: Microsoft's. Null = drawn per tenant. */
  ownerTenantId: string | null;
  /** Users reach it through assignments (true for most SaaS apps with SSO). */
  assignmentRequired: boolean;
  /** Roles offered to users; empty: default access only. */
  roles: readonly string[];
  ssoMode: 'saml' | 'oidc' | 'password' | null;
}

const firstParty = (appId: string, displayName: string): CatalogApp => ({
  appId,
  displayName,
  publisherName: 'Microsoft Services',
  homepage: null,
  ownerTenantId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
  assignmentRequired: false,
  roles: [],
  ssoMode: null,
});

/** Microsoft first-party apps (real app ids). Graph comes first: other code relies on it. */
export const FIRST_PARTY_APPS: readonly CatalogApp[] = [
  firstParty(MICROSOFT_GRAPH_APP_ID, 'Microsoft Graph'),
  firstParty('00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online'),
  firstParty('00000003-0000-0ff1-ce00-000000000000', 'Office 365 SharePoint Online'),
  firstParty('00000002-0000-0000-c000-000000000000', 'Windows Azure Active Directory'),
  firstParty('c5393580-f805-4401-95e8-94b7a6ef2fc2', 'Office 365 Management APIs'),
  firstParty('1fec8e78-bce4-4aaf-ab1b-5451cc387264', 'Microsoft Teams'),
  firstParty('c44b4083-3bb0-49c1-b47d-974e53cbdf3c', 'Azure Portal'),
  firstParty('04b07795-8ddb-461a-bbee-02f9e1bf7b46', 'Microsoft Azure CLI'),
  firstParty('1950a258-227b-4e31-a9cf-717495945fc2', 'Microsoft Azure PowerShell'),
  firstParty('d3590ed6-52b3-4102-aeff-aad2292ab01c', 'Microsoft Office'),
  firstParty('00000009-0000-0000-c000-000000000000', 'Power BI Service'),
  firstParty('0000000a-0000-0000-c000-000000000000', 'Microsoft Intune'),
  firstParty('cfa8b339-82a2-471a-a3c9-0fc0be7a4093', 'Azure Key Vault'),
  firstParty('797f4846-ba00-4fd7-ba43-dac1f8f63013', 'Windows Azure Service Management API'),
];

const saas = (displayName: string, publisherName: string, homepage: string, roles: readonly string[], ssoMode: CatalogApp['ssoMode'] = 'saml'): CatalogApp => ({
  appId: '',
  displayName,
  publisherName,
  homepage,
  ownerTenantId: null,
  assignmentRequired: true,
  roles,
  ssoMode,
});

/** Gallery SaaS apps; their app ids and vendor tenants are drawn per seed. */
export const SAAS_APPS: readonly CatalogApp[] = [
  saas('Salesforce', 'Salesforce', 'https://login.salesforce.com', ['Standard User', 'System Administrator']),
  saas('Slack', 'Slack Technologies', 'https://slack.com', [], 'oidc'),
  saas('Zoom', 'Zoom Video Communications', 'https://zoom.us', ['Licensed', 'Basic']),
  saas('ServiceNow', 'ServiceNow', 'https://www.servicenow.com', ['itil', 'admin']),
  saas('Workday', 'Workday', 'https://www.workday.com', []),
  saas('GitHub Enterprise Cloud', 'GitHub', 'https://github.com', ['User', 'Owner']),
  saas('Atlassian Cloud', 'Atlassian', 'https://www.atlassian.com', ['jira-users', 'confluence-users']),
  saas('Dropbox Business', 'Dropbox', 'https://www.dropbox.com', [], 'oidc'),
  saas('Box', 'Box', 'https://www.box.com', []),
  saas('DocuSign', 'DocuSign', 'https://www.docusign.com', ['DocuSign Sender', 'DocuSign Viewer']),
  saas('Adobe Creative Cloud', 'Adobe', 'https://www.adobe.com', []),
  saas('AWS IAM Identity Center', 'Amazon Web Services', 'https://aws.amazon.com', ['ReadOnly', 'PowerUser', 'Administrator']),
  saas('Google Cloud / G Suite Connector', 'Google', 'https://workspace.google.com', []),
  saas('Miro', 'Miro', 'https://miro.com', [], 'oidc'),
  saas('Figma', 'Figma', 'https://www.figma.com', []),
  saas('HubSpot', 'HubSpot', 'https://www.hubspot.com', [], 'oidc'),
  saas('Snowflake', 'Snowflake', 'https://www.snowflake.com', ['ANALYST', 'SYSADMIN']),
  saas('Tableau Cloud', 'Tableau', 'https://www.tableau.com', []),
  saas('Zendesk', 'Zendesk', 'https://www.zendesk.com', ['agent', 'admin']),
  saas('Okta Workflows Connector', 'Okta', 'https://www.okta.com', [], 'oidc'),
  saas('1Password Business', '1Password', 'https://1password.com', [], 'oidc'),
  saas('LinkedIn Sales Navigator', 'LinkedIn', 'https://www.linkedin.com', [], 'password'),
  saas('Notion', 'Notion Labs', 'https://www.notion.so', [], 'oidc'),
  saas('Asana', 'Asana', 'https://asana.com', []),
];

/** Word lists for in-house app registrations. */
export const APP_NAME_PREFIXES: readonly string[] = [
  'Payroll', 'Inventory', 'Billing', 'Customer Portal', 'HR Connector', 'Data Lake', 'Reporting',
  'Build Pipeline', 'Deploy Bot', 'Ticketing', 'Expense', 'CRM Sync', 'Backup', 'Monitoring',
  'Analytics', 'Onboarding', 'Identity Bridge', 'Document Archive', 'Scheduler', 'Warehouse',
];

export const APP_NAME_SUFFIXES: readonly string[] = ['API', 'Web', 'Daemon', 'Sync', 'Service', 'Integration', 'Automation', 'Worker'];

export const ENVIRONMENTS: readonly string[] = ['prod', 'staging', 'dev', 'test'];
