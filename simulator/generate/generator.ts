import type { ApplicationProperties } from '../model/applicationResource';
import type { AppRoleAssignment } from '../model/appRoleAssignments';
import { DEFAULT_GRANTED_PERMISSIONS } from '../identity/clientApplication';
import type { AuditInitiator, DirectoryAudit } from '../model/directoryAudit';
import type { SyntheticObjectKind } from '../model/directoryObjects';
import type { RoleAssignment } from '../model/directoryRoles';
import { generateAccess } from './generateAccess';
import { generateActivity } from './generateActivity';
import { generateApplications } from './generateApplications';
import { generateGroups } from './generateGroups';
import { generateGroupOwners } from './generateGroupOwners';
import { DAY_MS, type GenerationContext } from './generationContext';
import type { GroupProperties } from '../model/groupResource';
import { COMPANY_NAMES, DEPARTMENTS, FIRST_NAMES, GUEST_EMAIL_DOMAINS, LAST_NAMES, OFFICES } from './names';
import type { OAuth2PermissionGrant } from '../model/permissionGrants';
import { createRandom, createRandomFrom, hashSeed, type Random } from './random';
import { generateRoleSchedules, type GeneratedRoleSchedules } from './generateRoleSchedules';
import { generateGroupPim } from './generateGroupPim';
import type { GroupPimSchedule } from '../model/groupPimSchedules';
import type { ServicePrincipalProperties } from '../model/servicePrincipalResource';
import type { SignIn } from '../model/signIn';
import { TenantStore, type TenantIdentity } from '../tenant/tenantStore';
import { blankUser, graphDateTime, type UserProperties } from '../model/userResource';

export interface GenerateTenantOptions {
  seed: number;
  users: number;
  /**
   * The instant recent history is relative to: credential expiry (expired / within 30 days /
   * valid), 30 days of audits and sign-ins. Default: the start of the current UTC day, so a
   * seed gives the same tenant all day long while "expiring soon" stays true to the clock.
   */
  anchorTime?: Date;
  /** Entra ID P1/P2 licence (sign-in logs). Default true. */
  premium?: boolean;
}

/** The app registration the connector signs in as. */
export interface GeneratedApplication {
  clientId: string;
  clientSecret: string;
  displayName: string;
  /** Object id of its service principal: the access token's oid. */
  servicePrincipalId: string;
}

export interface GeneratedTenant {
  identity: TenantIdentity;
  application: GeneratedApplication;
  anchorTime: string;
  premium: boolean;
  users: UserProperties[];
  groups: GroupProperties[];
  /** Group id → direct member ids. */
  memberships: Map<string, string[]>;
  /** Group id → owner ids (users, service principals). */
  groupOwners: Map<string, string[]>;
  /** Devices and organisational contacts (group members known by id and kind only). */
  syntheticObjects: Map<string, SyntheticObjectKind>;
  applications: ApplicationProperties[];
  servicePrincipals: ServicePrincipalProperties[];
  /** Application or service principal id → owner ids. */
  owners: Map<string, string[]>;
  appRoleAssignments: AppRoleAssignment[];
  roleAssignments: RoleAssignment[];
  /** PIM: eligibilities and the windows of active assignments. */
  roleSchedules: GeneratedRoleSchedules;
  /** PIM for Groups: eligible and time-bound memberships and ownerships. */
  groupPimSchedules: GroupPimSchedule[];
  permissionGrants: OAuth2PermissionGrant[];
  directoryAudits: DirectoryAudit[];
  signIns: SignIn[];
  /** Who control-API changes are attributed to in audit events (a Global Administrator). */
  defaultActor: AuditInitiator;
}

const GUEST_SHARE = 0.1;
const DISABLED_SHARE = 0.05;
const ON_PREMISES_SYNCED_SHARE = 0.35;
// Fixed reference instant, not "now": the same seed must give byte-identical users forever.
const REFERENCE_TIME = Date.UTC(2025, 5, 1);
const EARLIEST_CREATION = Date.UTC(2016, 0, 1);
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Builds a synthetic tenant purely from `seed` (and the anchor day). Each user draws from its
 * own generator, so a tenant of 100 users is exactly the first 100 users of the same seed's
 * 10,000; everything else scales with the user count (groups ≈ users/10, app registrations
 * ≈ users/50, service principals ≈ registrations + first-party and SaaS apps).
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
  const anchor = (options.anchorTime ?? startOfUtcDay(new Date())).getTime();
  const context: GenerationContext = {
    seed: options.seed,
    identity,
    anchor,
    users,
    staff: users.filter((user) => user.userType === 'Member' && user.accountEnabled),
  };
  const apps = generateApplications(context, {
    clientId: application.clientId,
    displayName: application.displayName,
    servicePrincipalId: application.servicePrincipalId,
  });
  const groups = generateGroups(context, apps.servicePrincipals);
  const access = generateAccess(context, apps, groups, DEFAULT_GRANTED_PERMISSIONS);
  const activity = generateActivity(context, apps, groups, access);
  return {
    identity,
    application,
    anchorTime: new Date(anchor).toISOString(),
    premium: options.premium ?? true,
    users,
    groups: groups.groups,
    memberships: groups.members,
    groupOwners: generateGroupOwners(context, groups.groups, apps.servicePrincipals),
    syntheticObjects: groups.syntheticObjects,
    applications: apps.applications,
    servicePrincipals: apps.servicePrincipals,
    owners: apps.owners,
    appRoleAssignments: access.appRoleAssignments,
    roleAssignments: access.roleAssignments,
    roleSchedules: generateRoleSchedules(context, access.roleAssignments, groups.roleAssignable),
    groupPimSchedules: generateGroupPim(context, groups.roleAssignable, groups.members),
    permissionGrants: access.permissionGrants,
    directoryAudits: activity.directoryAudits,
    signIns: activity.signIns,
    defaultActor: activity.defaultActor,
  };
}

/** A TenantStore loaded with a generated tenant (tenant id overridable for multi-tenant tests). */
export function createGeneratedTenantStore(
  options: GenerateTenantOptions & { tenantId?: string; now?: () => Date },
): { store: TenantStore; tenant: GeneratedTenant } {
  const tenant = generateTenant(options);
  const identity = { ...tenant.identity, tenantId: (options.tenantId ?? tenant.identity.tenantId).toLowerCase() };
  const generated = { ...tenant, identity };
  return { store: createTenantStore(generated, options), tenant: generated };
}

/**
 * A fresh store holding a generated tenant: cheap to call many times on one generated tenant
 * (property tests). The store copies what it mutates, so `tenant` stays untouched.
 */
export function createTenantStore(tenant: GeneratedTenant, options: { seed: number; now?: () => Date }): TenantStore {
  const store = new TenantStore(tenant.identity, { seed: options.seed, premium: tenant.premium, ...(options.now ? { now: options.now } : {}) });
  loadTenant(store, tenant);
  return store;
}

/** Bulk-loads generated objects: no change records beyond one per object. */
function loadTenant(store: TenantStore, tenant: GeneratedTenant): void {
  store.users.load(tenant.users);
  store.groups.load(tenant.groups);
  store.applications.load(tenant.applications);
  store.servicePrincipals.load(tenant.servicePrincipals);
  for (const [id, kind] of tenant.syntheticObjects) store.addSyntheticObject(kind, id);
  for (const [groupId, members] of tenant.memberships) store.memberships.load(groupId, members);
  for (const [groupId, owners] of tenant.groupOwners) store.groupOwners.load(groupId, owners);
  for (const [objectId, owners] of tenant.owners) store.owners.load(objectId, owners);
  for (const assignment of tenant.appRoleAssignments) store.appRoleAssignments.add({ ...assignment });
  for (const assignment of tenant.roleAssignments) store.roleAssignments.add({ ...assignment });
  for (const unit of tenant.roleSchedules.administrativeUnits) store.administrativeUnits.add({ ...unit });
  for (const eligibility of tenant.roleSchedules.eligibilities) store.roleEligibilities.add({ ...eligibility });
  for (const schedule of tenant.groupPimSchedules) store.groupPimSchedules.add({ ...schedule });
  for (const [assignmentId, window] of tenant.roleSchedules.activeWindows) store.activeRoleWindows.set(assignmentId, { ...window });
  for (const grant of tenant.permissionGrants) store.permissionGrants.add({ ...grant });
  store.directoryAudits.load(tenant.directoryAudits);
  store.loadSignIns(tenant.signIns);
  store.defaultActor = tenant.defaultActor;
}

function startOfUtcDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
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
  // Same derivation as before the tenant model grew, so existing seeds keep their service principal id.
  const servicePrincipalId = createRandom(hashSeed(seed, 'service-principal')).guid();
  return { clientId, clientSecret, displayName: 'entra-sync', servicePrincipalId };
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
      ...blankUser(id),
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
    ...blankUser(id),
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
