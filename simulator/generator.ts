import { COMPANY_NAMES, DEPARTMENTS, FIRST_NAMES, GUEST_EMAIL_DOMAINS, LAST_NAMES, OFFICES } from './names';
import { createRandom, createRandomFrom, hashSeed, type Random } from './random';
import { TenantStore, type TenantIdentity } from './tenant';
import { graphDateTime, type UserProperties } from './userResource';

export interface GenerateTenantOptions {
  seed: number;
  users: number;
}

/** The app registration the connector signs in as. */
export interface GeneratedApplication {
  clientId: string;
  clientSecret: string;
  displayName: string;
}

export interface GeneratedTenant {
  identity: TenantIdentity;
  application: GeneratedApplication;
  users: UserProperties[];
}

const GUEST_SHARE = 0.1;
const DISABLED_SHARE = 0.05;
const ON_PREMISES_SYNCED_SHARE = 0.35;
// Fixed reference instant, not "now": the same seed must give byte-identical tenants forever.
const REFERENCE_TIME = Date.UTC(2025, 5, 1);
const EARLIEST_CREATION = Date.UTC(2016, 0, 1);
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Builds a synthetic tenant purely from `seed`. Each user draws from its own generator,
 * so a tenant of 100 users is exactly the first 100 users of the same seed's 10,000.
 */
export function generateTenant(options: GenerateTenantOptions): GeneratedTenant {
  if (!Number.isInteger(options.users) || options.users < 0) {
    throw new Error(`users must be a non-negative integer, got ${options.users}`);
  }
  const identity = generateIdentity(options.seed);
  const application = generateApplication(options.seed);
  const taken = { ids: new Set<string>(), nicknames: new Map<string, number>() };
  const users: UserProperties[] = [];
  for (let index = 0; index < options.users; index++) {
    users.push(generateUser(createRandomFrom(options.seed, 'user', index), identity, taken));
  }
  return { identity, application, users };
}

/** A TenantStore loaded with a generated tenant (tenant id overridable for multi-tenant tests). */
export function createGeneratedTenantStore(
  options: GenerateTenantOptions & { tenantId?: string },
): { store: TenantStore; tenant: GeneratedTenant } {
  const tenant = generateTenant(options);
  const identity = { ...tenant.identity, tenantId: (options.tenantId ?? tenant.identity.tenantId).toLowerCase() };
  const store = new TenantStore(identity, { seed: options.seed });
  store.users.load(tenant.users);
  return { store, tenant: { ...tenant, identity } };
}

function generateIdentity(seed: number): TenantIdentity {
  const random = createRandom(hashSeed(seed, 'tenant'));
  const company = random.pick(COMPANY_NAMES);
  const slug = company.toLowerCase().replace(/[^a-z]/g, '');
  return {
    tenantId: random.guid(),
    domain: `${slug}${random.int(100, 9999)}.onmicrosoft.com`,
    displayName: company,
  };
}

function generateApplication(seed: number): GeneratedApplication {
  const random = createRandom(hashSeed(seed, 'application'));
  const clientId = random.guid();
  // Entra secret values: 3 characters, a digit, "Q~", then 34 more: 40 in all.
  const clientSecret = `${random.string(3, ALPHANUMERIC)}${random.int(0, 9)}Q~${random.string(34, SECRET_ALPHABET)}`;
  return { clientId, clientSecret, displayName: 'entra-sync' };
}

function generateUser(
  random: Random,
  tenant: TenantIdentity,
  taken: { ids: Set<string>; nicknames: Map<string, number> },
): UserProperties {
  let id = random.guid();
  while (taken.ids.has(id)) id = random.guid();
  taken.ids.add(id);
  const givenName = random.pick(FIRST_NAMES);
  const surname = random.pick(LAST_NAMES);
  const displayName = `${givenName} ${surname}`;
  const isGuest = random.chance(GUEST_SHARE);
  const accountEnabled = !random.chance(DISABLED_SHARE);
  const created = EARLIEST_CREATION + Math.floor(random.next() * (REFERENCE_TIME - EARLIEST_CREATION));
  const createdDateTime = graphDateTime(new Date(created));
  const passwordChanged = graphDateTime(new Date(created + Math.floor(random.next() * (REFERENCE_TIME - created))));
  const office = random.pick(OFFICES);
  const nickname = uniqueNickname(asciiSlug(`${givenName}.${surname}`), taken.nicknames);

  if (isGuest) {
    const emailDomain = random.pick(GUEST_EMAIL_DOMAINS);
    const mail = `${nickname}@${emailDomain}`;
    const accepted = random.chance(0.9);
    return {
      ...emptyUser(id),
      displayName,
      givenName,
      surname,
      userPrincipalName: `${nickname}_${emailDomain}#EXT#@${tenant.domain}`,
      mail,
      mailNickname: `${nickname}_${emailDomain}#EXT#`,
      otherMails: [mail],
      userType: 'Guest',
      accountEnabled,
      createdDateTime,
      creationType: 'Invitation',
      externalUserState: accepted ? 'Accepted' : 'PendingAcceptance',
      externalUserStateChangeDateTime: createdDateTime,
      companyName: random.chance(0.3) ? random.pick(COMPANY_NAMES) : null,
      lastPasswordChangeDateTime: createdDateTime,
    };
  }

  const department = random.pick(Object.keys(DEPARTMENTS));
  const synced = random.chance(ON_PREMISES_SYNCED_SHARE);
  const userPrincipalName = `${nickname}@${tenant.domain}`;
  return {
    ...emptyUser(id),
    displayName,
    givenName,
    surname,
    userPrincipalName,
    mail: userPrincipalName,
    mailNickname: nickname,
    userType: 'Member',
    accountEnabled,
    createdDateTime,
    jobTitle: random.pick(DEPARTMENTS[department] ?? ['Employee']),
    department,
    companyName: tenant.displayName,
    officeLocation: `${office.city} ${random.int(1, 9)}/${random.int(1000, 4999)}`,
    city: office.city,
    country: office.country,
    usageLocation: office.usageLocation,
    preferredLanguage: office.language,
    businessPhones: random.chance(0.6) ? [`+1 425 555 ${String(random.int(0, 9999)).padStart(4, '0')}`] : [],
    mobilePhone: random.chance(0.4) ? `+1 206 555 ${String(random.int(0, 9999)).padStart(4, '0')}` : null,
    employeeId: random.chance(0.7) ? String(random.int(100000, 999999)) : null,
    lastPasswordChangeDateTime: passwordChanged,
    onPremisesSyncEnabled: synced ? true : null,
    onPremisesImmutableId: synced ? Buffer.from(random.string(16, ALPHANUMERIC)).toString('base64') : null,
    onPremisesSamAccountName: synced ? nickname.slice(0, 20) : null,
    onPremisesLastSyncDateTime: synced ? graphDateTime(new Date(REFERENCE_TIME - random.int(60, 86_400) * 1000)) : null,
  };
}

function emptyUser(id: string): UserProperties {
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

function asciiSlug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ø/g, 'o')
    .toLowerCase()
    .replace(/[^a-z0-9.]/g, '');
}

/**
 * first.last, then first.last2, first.last3... Names in the word lists hold no digits,
 * so a suffixed nickname can never equal another base name.
 */
function uniqueNickname(base: string, nextSuffix: Map<string, number>): string {
  const suffix = nextSuffix.get(base) ?? 1;
  nextSuffix.set(base, suffix + 1);
  return suffix === 1 ? base : `${base}${suffix}`;
}
