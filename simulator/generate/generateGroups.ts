import type { SyntheticObjectKind } from '../model/directoryObjects';
import { DAY_MS, heavyTailed, sample, type GenerationContext } from './generationContext';
import { securityIdentifierFor, type GroupProperties } from '../model/groupResource';
import { DEPARTMENTS, OFFICES } from './names';
import { createRandom, hashSeed, type Random } from './random';
import type { ServicePrincipalProperties } from '../model/servicePrincipalResource';
import { graphDateTime, type UserProperties } from '../model/userResource';

export interface GeneratedGroups {
  groups: GroupProperties[];
  /** Group id → direct member ids (users, groups, service principals, devices, contacts). */
  members: Map<string, string[]>;
  /** Devices and organisational contacts, known only by id and kind. */
  syntheticObjects: Map<string, SyntheticObjectKind>;
  /** Role-assignable groups (isAssignableToRole), for directory role assignments. */
  roleAssignable: GroupProperties[];
}

type GroupKind = 'security' | 'microsoft365' | 'mailEnabledSecurity' | 'distribution';

const TEAM_WORDS: readonly string[] = [
  'Apollo', 'Atlas', 'Beacon', 'Cobalt', 'Delta', 'Ember', 'Falcon', 'Granite', 'Harbor', 'Horizon',
  'Juniper', 'Keystone', 'Lumen', 'Meridian', 'Nimbus', 'Orion', 'Pioneer', 'Quartz', 'Summit', 'Vertex',
];
const PURPOSES: readonly string[] = ['Project', 'Team', 'Access', 'Readers', 'Editors', 'Owners', 'Admins', 'Vendors', 'Interns', 'Leads'];
// Fixed points of the tail: one "everyone" group, one per department, then the random tail.
const ROLE_ASSIGNABLE_SHARE = 0.02;

/**
 * About users/10 groups (at least 5): security, Microsoft 365, mail-enabled, distribution,
 * role-assignable and dynamic ones; nested groups; heavy-tailed sizes. Group 0 is a dynamic
 * "All Employees" holding every member user, so tenants of 20,000 users have a group above
 * 10,000 members; departments follow, then a long tail of mostly small groups.
 */
export function generateGroups(context: GenerationContext, servicePrincipals: readonly ServicePrincipalProperties[]): GeneratedGroups {
  const random = createRandom(hashSeed(context.seed, 'groups'));
  const result: GeneratedGroups = { groups: [], members: new Map(), syntheticObjects: new Map(), roleAssignable: [] };
  const users = context.users;
  const count = Math.max(5, Math.round(users.length / 10));
  const memberUsers = users.filter((user) => user.userType === 'Member');
  const nicknames = new Set<string>();

  const add = (group: GroupProperties, members: Iterable<string>): GroupProperties => {
    result.groups.push(group);
    result.members.set(group.id, [...new Set(members)]);
    return group;
  };
  const make = (kind: GroupKind, displayName: string, extra: Partial<GroupProperties> = {}): GroupProperties =>
    newGroup(random, context, kind, displayName, uniqueNickname(displayName, nicknames), extra);

  add(
    make('security', 'All Employees', {
      groupTypes: ['DynamicMembership'],
      membershipRule: 'user.userType -eq "Member"',
      membershipRuleProcessingState: 'On',
      description: 'Every employee (dynamic)',
    }),
    memberUsers.map((user) => user.id),
  );

  const departments = Object.keys(DEPARTMENTS);
  for (const department of departments) {
    if (result.groups.length >= count) break;
    add(
      make(random.chance(0.5) ? 'microsoft365' : 'security', `Dept - ${department}`, {
        groupTypes: random.chance(0.5) ? ['Unified', 'DynamicMembership'] : ['DynamicMembership'],
        membershipRule: `user.department -eq "${department}"`,
        membershipRuleProcessingState: 'On',
      }),
      memberUsers.filter((user) => user.department === department).map((user) => user.id),
    );
  }

  const roleAssignableTarget = Math.max(2, Math.round(count * ROLE_ASSIGNABLE_SHARE));
  const tailStart = result.groups.length;
  const nestable: string[] = [];
  const automation = servicePrincipals.filter((sp) => sp.appOwnerOrganizationId === context.identity.tenantId);
  // Dynamic office groups: at most one per city, each holding a tenth of the users.
  const cities = new Set(OFFICES.map((office) => office.city));
  for (let index = result.groups.length; index < count; index++) {
    if (result.roleAssignable.length < roleAssignableTarget && index - tailStart < roleAssignableTarget * 3 && random.chance(0.5)) {
      const group = make('security', `Role - ${random.pick(['Global Admins', 'App Admins', 'Helpdesk', 'Security Ops', 'Identity Ops'])} ${index}`, {
        isAssignableToRole: true,
        visibility: 'Private',
      });
      const members = sample(random, context.staff, random.int(1, 6)).map((user) => user.id);
      if (automation.length > 0 && random.chance(0.2)) members.push(random.pick(automation).id);
      add(group, members);
      result.roleAssignable.push(group);
      continue;
    }

    const kind = pickKind(random);
    const size = heavyTailed(random, 2, 1.15, Math.max(2, Math.round(users.length * 0.6)));
    const city = random.pick(OFFICES).city;
    const dynamicCity = kind !== 'distribution' && cities.has(city) && random.chance(0.05) ? city : null;
    if (dynamicCity) cities.delete(dynamicCity);
    const name = `${kindPrefix(kind)}${random.pick(TEAM_WORDS)} ${random.pick(PURPOSES)} ${index}`;
    if (dynamicCity) {
      const group = make(kind === 'microsoft365' ? 'microsoft365' : 'security', `${name} (${dynamicCity})`, {
        groupTypes: kind === 'microsoft365' ? ['Unified', 'DynamicMembership'] : ['DynamicMembership'],
        membershipRule: `user.city -eq "${dynamicCity}"`,
        membershipRuleProcessingState: random.chance(0.9) ? 'On' : 'Paused',
      });
      add(group, users.filter((user) => user.city === dynamicCity).map((user) => user.id));
      continue;
    }

    const group = make(kind, name);
    const members: string[] = sample(random, users, size).map((user: UserProperties) => user.id);
    if ((kind === 'security' || kind === 'distribution') && nestable.length > 0 && random.chance(0.15)) {
      // Nested groups: only earlier tail groups, so nesting never loops.
      members.push(...sample(random, nestable, random.int(1, 3)));
    }
    if (kind === 'security' && automation.length > 0 && random.chance(0.03)) members.push(random.pick(automation).id);
    if (kind === 'security' && random.chance(0.05)) {
      for (let i = random.int(1, 20); i > 0; i--) members.push(synthetic(random, result, 'device'));
    }
    if ((kind === 'distribution' || kind === 'mailEnabledSecurity') && random.chance(0.3)) {
      for (let i = random.int(1, 5); i > 0; i--) members.push(synthetic(random, result, 'orgContact'));
    }
    add(group, members);
    if (kind !== 'microsoft365') nestable.push(group.id);
  }
  return result;
}

function pickKind(random: Random): GroupKind {
  const roll = random.next();
  if (roll < 0.55) return 'security';
  if (roll < 0.8) return 'microsoft365';
  if (roll < 0.88) return 'mailEnabledSecurity';
  return 'distribution';
}

function kindPrefix(kind: GroupKind): string {
  switch (kind) {
    case 'security':
      return 'SG - ';
    case 'microsoft365':
      return '';
    case 'mailEnabledSecurity':
      return 'MESG - ';
    case 'distribution':
      return 'DL - ';
  }
}

function newGroup(
  random: Random,
  context: GenerationContext,
  kind: GroupKind,
  displayName: string,
  mailNickname: string,
  extra: Partial<GroupProperties>,
): GroupProperties {
  const id = random.guid();
  const created = graphDateTime(new Date(context.anchor - random.int(30, 2500) * DAY_MS - random.int(0, DAY_MS - 1)));
  const mailEnabled = kind !== 'security';
  const unified = kind === 'microsoft365';
  const mail = mailEnabled ? `${mailNickname}@${context.identity.domain}` : null;
  return {
    id,
    displayName,
    description: random.chance(0.5) ? `${displayName} members` : null,
    mail,
    mailNickname,
    mailEnabled,
    securityEnabled: kind === 'security' || kind === 'mailEnabledSecurity',
    groupTypes: unified ? ['Unified'] : [],
    membershipRule: null,
    membershipRuleProcessingState: null,
    isAssignableToRole: null,
    visibility: unified ? (random.chance(0.7) ? 'Private' : 'Public') : null,
    classification: null,
    createdDateTime: created,
    renewedDateTime: created,
    expirationDateTime: null,
    onPremisesSyncEnabled: !unified && random.chance(0.2) ? true : null,
    securityIdentifier: securityIdentifierFor(id),
    proxyAddresses: mail ? [`SMTP:${mail}`] : [],
    resourceProvisioningOptions: unified && random.chance(0.4) ? ['Team'] : [],
    ...extra,
  };
}

function synthetic(random: Random, result: GeneratedGroups, kind: SyntheticObjectKind): string {
  const id = random.guid();
  result.syntheticObjects.set(id, kind);
  return id;
}

function uniqueNickname(displayName: string, taken: Set<string>): string {
  const base = displayName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'group';
  let nickname = base;
  for (let suffix = 2; taken.has(nickname); suffix++) nickname = `${base}-${suffix}`;
  taken.add(nickname);
  return nickname;
}
