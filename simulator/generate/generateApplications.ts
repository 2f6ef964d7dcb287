import {
  APP_NAME_PREFIXES,
  APP_NAME_SUFFIXES,
  ENVIRONMENTS,
  FIRST_PARTY_APPS,
  GRAPH_APP_ROLES,
  MICROSOFT_GRAPH_APP_ID,
  SAAS_APPS,
  type CatalogApp,
} from './appCatalog';
import { UNVERIFIED_PUBLISHER, type ApplicationProperties, type AppRole, type RequiredResourceAccess } from '../model/applicationResource';
import type { KeyCredential, PasswordCredential } from '../model/credentials';
import { DAY_MS, sample, type GenerationContext } from './generationContext';
import { createRandom, hashSeed, type Random } from './random';
import {
  ENTERPRISE_APP_TAGS,
  MICROSOFT_TENANT_ID,
  type ServicePrincipalProperties,
} from '../model/servicePrincipalResource';
import { graphDateTime } from '../model/userResource';

export interface GeneratedApplications {
  applications: ApplicationProperties[];
  servicePrincipals: ServicePrincipalProperties[];
  /** Object id (app or SP) → owner ids (users or service principals). */
  owners: Map<string, string[]>;
  /** Service principals by role in the tenant, for later generation steps. */
  graph: ServicePrincipalProperties;
  firstParty: ServicePrincipalProperties[];
  saas: ServicePrincipalProperties[];
  /** The tenant's own app registrations' service principals. */
  inHouse: ServicePrincipalProperties[];
  /** Credentials that existed and were removed in the last 30 days (for audit events). */
  removedCredentials: Array<{ holder: ApplicationProperties | ServicePrincipalProperties; kind: 'Application' | 'ServicePrincipal'; credential: PasswordCredential | KeyCredential; removedAt: number }>;
}

/** The connector's own app registration (whose secret the token endpoint checks). */
export interface ConnectorRegistration {
  clientId: string;
  displayName: string;
  servicePrincipalId: string;
}

const SECRET_HINT_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SECRET_NAMES: readonly (string | null)[] = ['prod', 'ci-pipeline', 'rotation', 'temp', 'backup', 'terraform', 'legacy', null];
const OWNERS_BEYOND_EXPAND_CAP = 23;
type ExpiryStatus = 'expired' | 'expiringSoon' | 'valid';
const FORCED_STATUSES: readonly ExpiryStatus[] = ['expired', 'expiringSoon', 'valid'];

/**
 * App registrations (about users/50, at least 5) with secrets and certificates that are
 * expired, expiring within 30 days or valid; their service principals; Microsoft first-party
 * and SaaS service principals that have no registration here; owners (some none, some > 20).
 */
export function generateApplications(context: GenerationContext, connector: ConnectorRegistration): GeneratedApplications {
  const random = createRandom(hashSeed(context.seed, 'applications'));
  const result: GeneratedApplications = {
    applications: [],
    servicePrincipals: [],
    owners: new Map(),
    graph: undefined as unknown as ServicePrincipalProperties,
    firstParty: [],
    saas: [],
    inHouse: [],
    removedCredentials: [],
  };
  const userCount = context.users.length;

  for (const app of FIRST_PARTY_APPS) {
    const sp = catalogServicePrincipal(random, context, app, app.ownerTenantId ?? MICROSOFT_TENANT_ID);
    if (app.appId === MICROSOFT_GRAPH_APP_ID) {
      sp.appRoles = GRAPH_APP_ROLES.map((role) => ({
        allowedMemberTypes: ['Application'],
        description: role.displayName,
        displayName: role.displayName,
        id: role.id,
        isEnabled: true,
        origin: 'Application',
        value: role.value,
      }));
      result.graph = sp;
    }
    result.firstParty.push(sp);
  }

  const saasCount = Math.min(SAAS_APPS.length, Math.max(3, Math.round(userCount / 400)));
  for (const app of SAAS_APPS.slice(0, saasCount)) result.saas.push(saasServicePrincipal(random, context, app));
  // Long tail of smaller multi-tenant vendors' apps users consented to.
  const vendorCount = Math.round(userCount / 200);
  for (let index = 0; index < vendorCount; index++) {
    const name = `${random.pick(APP_NAME_PREFIXES)} ${random.pick(['Cloud', 'Connect', 'Hub', 'Pro', 'Sync', 'Insights'])} ${index + 1}`;
    result.saas.push(
      saasServicePrincipal(random, context, {
        appId: '',
        displayName: name,
        publisherName: `${name.split(' ')[0]} Software Ltd`,
        homepage: `https://www.${name.split(' ')[0]?.toLowerCase()}-${index + 1}.example.com`,
        ownerTenantId: null,
        assignmentRequired: random.chance(0.5),
        roles: [],
        ssoMode: random.pick(['oidc', 'oidc', 'saml', null] as const),
      }),
    );
  }

  // The connector's own registration and service principal, granted Graph app roles later.
  const connectorApp = inHouseApplication(random, context, 0, { appId: connector.clientId, displayName: connector.displayName, credentials: false });
  result.applications.push(connectorApp);
  const connectorSp = inHouseServicePrincipal(random, context, connectorApp, connector.servicePrincipalId);
  result.inHouse.push(connectorSp);

  const appCount = Math.max(5, Math.round(userCount / 50));
  for (let index = 1; index < appCount; index++) {
    const app = inHouseApplication(random, context, index, { credentials: true }, result);
    result.applications.push(app);
    // Most registrations are used in this tenant and so have a service principal.
    if (index < 5 || random.chance(0.95)) {
      // The first one always rotated an SP secret recently, so every credential activity shows in the logs.
      result.inHouse.push(inHouseServicePrincipal(random, context, app, random.guid(), result, index === 1));
    }
  }
  result.servicePrincipals = [...result.firstParty, ...result.saas, ...result.inHouse];

  assignOwners(random, context, result);
  return result;
}

function inHouseApplication(
  random: Random,
  context: GenerationContext,
  index: number,
  options: { appId?: string; displayName?: string; credentials: boolean },
  result?: GeneratedApplications,
): ApplicationProperties {
  const displayName = options.displayName ?? `${random.pick(APP_NAME_PREFIXES)} ${random.pick(APP_NAME_SUFFIXES)} (${random.pick(ENVIRONMENTS)}) ${index}`;
  const id = random.guid();
  const appId = options.appId ?? random.guid();
  const created = context.anchor - random.int(31, 2500) * DAY_MS - random.int(0, DAY_MS - 1);
  const appRoles = random.chance(0.4) ? generateAppRoles(random) : [];
  const application: ApplicationProperties = {
    id,
    appId,
    displayName,
    description: random.chance(0.4) ? `${displayName} managed by the platform team` : null,
    signInAudience: random.chance(0.85) ? 'AzureADMyOrg' : random.chance(0.8) ? 'AzureADMultipleOrgs' : 'AzureADandPersonalMicrosoftAccount',
    publisherDomain: context.identity.domain,
    verifiedPublisher: { ...UNVERIFIED_PUBLISHER },
    appRoles,
    requiredResourceAccess: generateRequiredResourceAccess(random),
    passwordCredentials: [],
    keyCredentials: [],
    identifierUris: random.chance(0.5) ? [`api://${appId}`] : [],
    tags: [],
    notes: null,
    web: { homePageUrl: random.chance(0.5) ? `https://${displayName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.${context.identity.domain}` : null, redirectUris: [], logoutUrl: null },
    createdDateTime: graphDateTime(new Date(created)),
  };
  if (options.credentials) {
    const secrets = random.chance(0.3) ? 0 : random.chance(0.65) ? 1 : random.chance(0.8) ? 2 : random.int(3, 5);
    // The first registrations show each expiry status, however small the tenant.
    const forced = FORCED_STATUSES[index - 1];
    if (forced) application.passwordCredentials.push(passwordCredential(random, context, created, forced));
    for (let i = 0; i < secrets; i++) application.passwordCredentials.push(passwordCredential(random, context, created));
    const certificates = random.chance(0.7) ? 0 : random.chance(0.85) ? 1 : 2;
    for (let i = 0; i < certificates; i++) application.keyCredentials.push(keyCredential(random, context, created, displayName));
    if (result && random.chance(0.1)) {
      result.removedCredentials.push({
        holder: application,
        kind: 'Application',
        credential: passwordCredential(random, context, created),
        removedAt: context.anchor - random.int(0, 29 * DAY_MS),
      });
    }
  }
  return application;
}

function inHouseServicePrincipal(
  random: Random,
  context: GenerationContext,
  app: ApplicationProperties,
  id: string,
  result?: GeneratedApplications,
  recentRotation = false,
): ServicePrincipalProperties {
  const sp: ServicePrincipalProperties = {
    id,
    appId: app.appId,
    displayName: app.displayName,
    appDisplayName: app.displayName,
    appDescription: null,
    description: null,
    servicePrincipalType: 'Application',
    appOwnerOrganizationId: context.identity.tenantId,
    accountEnabled: random.chance(0.97),
    appRoleAssignmentRequired: random.chance(0.3),
    appRoles: structuredClone(app.appRoles),
    passwordCredentials: [],
    keyCredentials: [],
    publisherName: context.identity.displayName,
    verifiedPublisher: { ...UNVERIFIED_PUBLISHER },
    tags: [...ENTERPRISE_APP_TAGS],
    homepage: app.web.homePageUrl,
    loginUrl: null,
    replyUrls: [],
    servicePrincipalNames: [app.appId, ...app.identifierUris],
    signInAudience: app.signInAudience,
    preferredSingleSignOnMode: null,
    notificationEmailAddresses: [],
    notes: null,
  };
  // A few service principals carry credentials of their own (e.g. SAML or legacy secrets).
  if (result && (recentRotation || random.chance(0.05))) {
    const credential = passwordCredential(random, context, Date.parse(app.createdDateTime));
    if (recentRotation) {
      const start = context.anchor - random.int(1, 25) * DAY_MS;
      credential.startDateTime = graphDateTime(new Date(start));
      credential.endDateTime = graphDateTime(new Date(start + 180 * DAY_MS));
    }
    sp.passwordCredentials.push(credential);
    if (recentRotation || random.chance(0.3)) {
      result.removedCredentials.push({
        holder: sp,
        kind: 'ServicePrincipal',
        credential: passwordCredential(random, context, Date.parse(app.createdDateTime)),
        removedAt: context.anchor - random.int(0, 29 * DAY_MS),
      });
    }
  }
  return sp;
}

function catalogServicePrincipal(random: Random, context: GenerationContext, app: CatalogApp, ownerTenantId: string): ServicePrincipalProperties {
  const appId = app.appId || random.guid();
  return {
    id: random.guid(),
    appId,
    displayName: app.displayName,
    appDisplayName: app.displayName,
    appDescription: null,
    description: null,
    servicePrincipalType: 'Application',
    appOwnerOrganizationId: ownerTenantId,
    accountEnabled: true,
    appRoleAssignmentRequired: app.assignmentRequired,
    appRoles: app.roles.map((value) => ({
      allowedMemberTypes: ['User'] as Array<'User' | 'Application'>,
      description: value,
      displayName: value,
      id: random.guid(),
      isEnabled: true,
      origin: 'Application' as const,
      value,
    })),
    passwordCredentials: [],
    keyCredentials: [],
    publisherName: app.publisherName,
    verifiedPublisher: { ...UNVERIFIED_PUBLISHER },
    tags: ownerTenantId === MICROSOFT_TENANT_ID ? [] : [...ENTERPRISE_APP_TAGS],
    homepage: app.homepage,
    loginUrl: null,
    replyUrls: [],
    servicePrincipalNames: [appId],
    signInAudience: 'AzureADMultipleOrgs',
    preferredSingleSignOnMode: app.ssoMode,
    notificationEmailAddresses: [],
    notes: null,
  };
}

function saasServicePrincipal(random: Random, context: GenerationContext, app: CatalogApp): ServicePrincipalProperties {
  const sp = catalogServicePrincipal(random, context, app, random.guid());
  sp.verifiedPublisher = random.chance(0.7)
    ? { displayName: app.publisherName, verifiedPublisherId: String(random.int(1_000_000, 9_999_999)), addedDateTime: graphDateTime(new Date(context.anchor - random.int(100, 1500) * DAY_MS)) }
    : { ...UNVERIFIED_PUBLISHER };
  if (app.ssoMode === 'saml') {
    // SAML SSO: the tenant holds the app's signing certificate.
    const created = context.anchor - random.int(60, 1500) * DAY_MS;
    sp.keyCredentials.push(keyCredential(random, context, created, `CN=Microsoft Azure Federated SSO Certificate`));
    sp.loginUrl = app.homepage;
  }
  if (app.ssoMode === 'password') sp.notificationEmailAddresses = [`it-ops@${context.identity.domain}`];
  return sp;
}

function generateAppRoles(random: Random): AppRole[] {
  const roles: AppRole[] = [];
  for (const [value, types] of [
    ['Reader', ['User']],
    ['Writer', ['User']],
    ['Admin', ['User']],
    ['Data.Read.All', ['Application']],
    ['Tasks.ReadWrite', ['User', 'Application']],
  ] as const) {
    if (roles.length > 0 && !random.chance(0.6)) continue;
    roles.push({
      allowedMemberTypes: [...types],
      description: `${value} access`,
      displayName: value,
      id: random.guid(),
      isEnabled: random.chance(0.95),
      origin: 'Application',
      value,
    });
  }
  return roles;
}

function generateRequiredResourceAccess(random: Random): RequiredResourceAccess[] {
  if (random.chance(0.2)) return [];
  const scopes = [{ id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', type: 'Scope' as const }]; // User.Read
  const roles = random.chance(0.4) ? sample(random, GRAPH_APP_ROLES, random.int(1, 3)).map((role) => ({ id: role.id, type: 'Role' as const })) : [];
  return [{ resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: [...scopes, ...roles] }];
}

/** A validity window that is expired (20%), expiring within 30 days (15%) or valid. */
function validity(random: Random, context: GenerationContext, createdAt: number, lifetimeDays: number, status?: ExpiryStatus): { start: number; end: number } {
  const roll = status === 'expired' ? 0 : status === 'expiringSoon' ? 0.3 : status === 'valid' ? 0.9 : random.next();
  let end: number;
  if (roll < 0.2) end = context.anchor - random.int(1, 400) * DAY_MS - random.int(0, DAY_MS - 1);
  else if (roll < 0.35) end = context.anchor + random.int(1, 28) * DAY_MS + random.int(0, DAY_MS - 1);
  else end = context.anchor + random.int(31, 720) * DAY_MS;
  let start = end - lifetimeDays * DAY_MS;
  // Never before the app existed, never in the future: recent rotations start within 30 days.
  if (start < createdAt) start = createdAt;
  if (start > context.anchor) start = context.anchor - random.int(1, 29) * DAY_MS;
  if (random.chance(0.15)) start = context.anchor - random.int(0, 29 * DAY_MS);
  if (start >= end) start = end - DAY_MS;
  return { start, end };
}

function passwordCredential(random: Random, context: GenerationContext, createdAt: number, status?: ExpiryStatus): PasswordCredential {
  const { start, end } = validity(random, context, createdAt, random.pick([90, 180, 365, 730]), status);
  const name = random.pick(SECRET_NAMES);
  return {
    customKeyIdentifier: null,
    displayName: name,
    endDateTime: graphDateTime(new Date(end)),
    hint: random.string(3, SECRET_HINT_ALPHABET),
    keyId: random.guid(),
    secretText: null,
    startDateTime: graphDateTime(new Date(start)),
  };
}

function keyCredential(random: Random, context: GenerationContext, createdAt: number, subject: string): KeyCredential {
  const { start, end } = validity(random, context, createdAt, random.pick([365, 730, 1095]));
  const thumbprint = Buffer.from(random.string(20, SECRET_HINT_ALPHABET));
  return {
    customKeyIdentifier: thumbprint.toString('base64'),
    displayName: subject.startsWith('CN=') ? subject : `CN=${subject}`,
    endDateTime: graphDateTime(new Date(end)),
    key: null,
    keyId: random.guid(),
    startDateTime: graphDateTime(new Date(start)),
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
  };
}

/** Owners: users mostly, sometimes a service principal; some objects none, a few over 20. */
function assignOwners(random: Random, context: GenerationContext, result: GeneratedApplications): void {
  const staff = context.staff.length > 0 ? context.staff : context.users;
  const automation = result.inHouse;
  const pickOwners = (count: number): string[] => {
    const owners = sample(random, staff, count).map((user) => user.id);
    if (automation.length > 0 && random.chance(0.1)) owners.push(random.pick(automation).id);
    return [...new Set(owners)];
  };
  result.applications.forEach((app, index) => {
    // The first registration after the connector's always has more owners than $expand returns.
    const crowded = index === 1 || random.chance(0.02);
    const count = crowded ? OWNERS_BEYOND_EXPAND_CAP + random.int(0, 7) : random.chance(0.15) ? 0 : random.int(1, 3);
    if (count > 0 && staff.length > 0) result.owners.set(app.id, pickOwners(count));
  });
  result.inHouse.forEach((sp, index) => {
    const crowded = index === 1 || random.chance(0.01);
    const count = crowded ? OWNERS_BEYOND_EXPAND_CAP + random.int(0, 5) : random.chance(0.4) ? 0 : random.int(1, 2);
    if (count > 0 && staff.length > 0) result.owners.set(sp.id, pickOwners(count));
  });
  for (const sp of result.saas) {
    if (random.chance(0.5) && staff.length > 0) result.owners.set(sp.id, pickOwners(random.int(1, 2)));
  }
}
