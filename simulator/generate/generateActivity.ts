import type { ApplicationProperties } from '../model/applicationResource';
import type { KeyCredential, PasswordCredential } from '../model/credentials';
import {
  appInitiator,
  AUDIT_ACTIVITIES,
  credentialChangeAudit,
  directoryAudit,
  target,
  userInitiator,
  type AuditContext,
  type AuditInitiator,
  type DirectoryAudit,
} from '../model/directoryAudit';
import { ROLE_TEMPLATE_IDS } from '../model/directoryRoles';
import { ownerEventTargets } from '../model/ownerAudit';
import type { GeneratedAccess } from './generateAccess';
import type { GeneratedApplications } from './generateApplications';
import type { GeneratedGroups } from './generateGroups';
import { DAY_MS, isoTime, sample, type GenerationContext } from './generationContext';
import { createRandom, hashSeed, type Random } from './random';
import type { ServicePrincipalProperties } from '../model/servicePrincipalResource';
import { SIGN_IN_FAILURES, type SignIn } from '../model/signIn';

export interface GeneratedActivity {
  directoryAudits: DirectoryAudit[];
  signIns: SignIn[];
  /** Who performs changes made through the control API by default. */
  defaultActor: AuditInitiator;
}

const WINDOW_MS = 30 * DAY_MS;
const MAX_NOISE_AUDITS = 20_000;
const MAX_SIGN_INS = 60_000;

/**
 * 30 days of directory audits ending at the anchor: every credential added in that window
 * (dated at its startDateTime), removals of credentials that no longer exist, owner and app
 * role assignment changes, consents, and everyday user/group noise; plus sign-ins.
 */
export function generateActivity(
  context: GenerationContext,
  apps: GeneratedApplications,
  groups: GeneratedGroups,
  access: GeneratedAccess,
): GeneratedActivity {
  const random = createRandom(hashSeed(context.seed, 'activity'));
  const admins = adminActors(context, access);
  const automation = apps.inHouse.slice(1);
  const actor = (): AuditInitiator =>
    automation.length > 0 && random.chance(0.2) ? appInitiator(random.pick(automation)) : random.pick(admins);
  const contextAt = (time: number, initiatedBy: AuditInitiator = actor()): AuditContext => ({
    id: `Directory_${random.guid()}`,
    correlationId: random.guid(),
    activityDateTime: isoTime(time),
    initiatedBy,
  });
  const userById = new Map(context.users.map((user) => [user.id, user]));
  const recent = (iso: string) => Date.parse(iso) > context.anchor - WINDOW_MS && Date.parse(iso) <= context.anchor;
  const audits: DirectoryAudit[] = [];

  // Credentials added within the window, app and service principal alike.
  const holders: Array<{ holder: ApplicationProperties | ServicePrincipalProperties; kind: 'Application' | 'ServicePrincipal' }> = [
    ...apps.applications.map((holder) => ({ holder, kind: 'Application' as const })),
    ...apps.servicePrincipals.map((holder) => ({ holder, kind: 'ServicePrincipal' as const })),
  ];
  for (const { holder, kind } of holders) {
    const all: Array<PasswordCredential | KeyCredential> = [...holder.passwordCredentials, ...holder.keyCredentials];
    for (const credential of all) {
      if (!recent(credential.startDateTime)) continue;
      const before = all.filter((other) => other !== credential && other.startDateTime < credential.startDateTime);
      audits.push(
        credentialChangeAudit(contextAt(Date.parse(credential.startDateTime)), {
          targetKind: kind,
          targetId: holder.id,
          targetDisplayName: holder.displayName,
          change: 'add',
          credential,
          before,
          after: [...before, credential],
        }),
      );
    }
  }
  for (const removed of apps.removedCredentials) {
    const current = [...removed.holder.passwordCredentials, ...removed.holder.keyCredentials];
    audits.push(
      credentialChangeAudit(contextAt(removed.removedAt), {
        targetKind: removed.kind,
        targetId: removed.holder.id,
        targetDisplayName: removed.holder.displayName,
        change: 'remove',
        credential: removed.credential,
        before: [...current, removed.credential],
        after: current,
      }),
    );
  }
  // Password-SSO apps: stored credentials updated.
  const passwordSso = apps.saas.filter((s) => s.preferredSingleSignOnMode === 'password');
  for (const sp of passwordSso.length > 0 ? passwordSso : apps.saas.slice(0, 1)) {
    audits.push(
      directoryAudit(contextAt(randomRecent(random, context)), {
        activityDisplayName: AUDIT_ACTIVITIES.updateExternalSecrets,
        category: 'ApplicationManagement',
        operationType: 'Update',
        targetResources: [target(sp.id, 'ServicePrincipal', sp.displayName)],
      }),
    );
  }
  // Owners added recently.
  const owned = apps.applications.filter((app) => (apps.owners.get(app.id)?.length ?? 0) > 0);
  for (const app of sample(random, owned, Math.ceil(owned.length * 0.1))) {
    const owner = apps.owners.get(app.id)?.[0] as string;
    const user = userById.get(owner);
    audits.push(
      directoryAudit(contextAt(randomRecent(random, context)), {
        activityDisplayName: AUDIT_ACTIVITIES.addOwnerToApplication,
        category: 'ApplicationManagement',
        operationType: 'Assign',
        targetResources: ownerEventTargets(
          { id: owner, kind: user ? 'User' : 'ServicePrincipal', displayName: user?.displayName ?? null, userPrincipalName: user?.userPrincipalName ?? null },
          { id: app.id, kind: 'Application', appId: app.appId, displayName: app.displayName },
          true,
        ),
      }),
    );
  }
  // Application permissions granted recently.
  const spById = new Map(apps.servicePrincipals.map((sp) => [sp.id, sp]));
  for (const assignment of access.appRoleAssignments) {
    if (assignment.principalType !== 'ServicePrincipal' || !recent(assignment.createdDateTime)) continue;
    audits.push(
      directoryAudit(contextAt(Date.parse(assignment.createdDateTime)), {
        activityDisplayName: AUDIT_ACTIVITIES.addAppRoleAssignmentToServicePrincipal,
        category: 'ApplicationManagement',
        operationType: 'Assign',
        targetResources: [
          target(assignment.resourceId, 'ServicePrincipal', assignment.resourceDisplayName, [
            { displayName: 'AppRole.Id', oldValue: null, newValue: JSON.stringify(assignment.appRoleId) },
            { displayName: 'AppRole.Value', oldValue: null, newValue: JSON.stringify(spById.get(assignment.resourceId)?.appRoles.find((r) => r.id === assignment.appRoleId)?.value ?? '') },
          ]),
          target(assignment.principalId, 'ServicePrincipal', assignment.principalDisplayName),
        ],
      }),
    );
  }
  // Consents and the delegated grants they create.
  for (const grant of sample(random, access.permissionGrants, Math.ceil(access.permissionGrants.length * 0.2))) {
    const client = spById.get(grant.clientId);
    const consenter = grant.principalId ? userById.get(grant.principalId) : undefined;
    const at = randomRecent(random, context);
    const initiatedBy = consenter ? userInitiator(consenter, randomIp(random)) : random.pick(admins);
    const clientTarget = target(grant.clientId, 'ServicePrincipal', client?.displayName ?? null, [
      { displayName: 'ConsentContext.IsAdminConsent', oldValue: null, newValue: JSON.stringify(String(grant.consentType === 'AllPrincipals')) },
      { displayName: 'ConsentAction.Permissions', oldValue: null, newValue: JSON.stringify(`Scope: ${grant.scope}`) },
    ]);
    audits.push(
      directoryAudit(contextAt(at, initiatedBy), {
        activityDisplayName: AUDIT_ACTIVITIES.consentToApplication,
        category: 'ApplicationManagement',
        operationType: 'Assign',
        targetResources: [clientTarget],
      }),
      directoryAudit(contextAt(at + 1, initiatedBy), {
        activityDisplayName: AUDIT_ACTIVITIES.addDelegatedPermissionGrant,
        category: 'ApplicationManagement',
        operationType: 'Assign',
        targetResources: [
          target(grant.resourceId, 'ServicePrincipal', spById.get(grant.resourceId)?.displayName ?? null, [
            { displayName: 'DelegatedPermissionGrant.Scope', oldValue: null, newValue: JSON.stringify(grant.scope) },
          ]),
        ],
      }),
    );
  }
  // Everyday noise the connector must skip past.
  const noise = Math.min(MAX_NOISE_AUDITS, Math.max(20, Math.round(context.users.length / 5)));
  const groupList = groups.groups;
  for (let i = 0; i < noise && context.users.length > 0; i++) {
    const user = random.pick(context.users);
    const at = randomRecent(random, context);
    const roll = random.next();
    const failed = random.chance(0.03);
    const outcome = failed ? { result: 'failure' as const, resultReason: 'Insufficient privileges' } : {};
    const userTarget = target(user.id, 'User', user.displayName, [], { userPrincipalName: user.userPrincipalName });
    if (roll < 0.4) {
      audits.push(
        directoryAudit(contextAt(at), {
          activityDisplayName: AUDIT_ACTIVITIES.updateUser,
          category: 'UserManagement',
          operationType: 'Update',
          targetResources: [{ ...userTarget, modifiedProperties: [{ displayName: 'JobTitle', oldValue: '[]', newValue: JSON.stringify([user.jobTitle ?? 'Employee']) }] }],
          ...outcome,
        }),
      );
    } else if (roll < 0.75 && groupList.length > 0) {
      const group = random.pick(groupList);
      audits.push(
        directoryAudit(contextAt(at), {
          activityDisplayName: random.chance(0.8) ? AUDIT_ACTIVITIES.addMemberToGroup : AUDIT_ACTIVITIES.removeMemberFromGroup,
          category: 'GroupManagement',
          operationType: 'Assign',
          targetResources: [userTarget, target(group.id, 'Group', group.displayName)],
          ...outcome,
        }),
      );
    } else if (roll < 0.9) {
      audits.push(
        directoryAudit(contextAt(at), { activityDisplayName: AUDIT_ACTIVITIES.resetUserPassword, category: 'UserManagement', operationType: 'Update', targetResources: [userTarget], ...outcome }),
      );
    } else {
      audits.push(directoryAudit(contextAt(at), { activityDisplayName: AUDIT_ACTIVITIES.addUser, category: 'UserManagement', operationType: 'Add', targetResources: [userTarget], ...outcome }));
    }
  }

  return { directoryAudits: audits, signIns: generateSignIns(random, context, apps), defaultActor: admins[0] ?? appInitiator(apps.graph) };
}

function generateSignIns(random: Random, context: GenerationContext, apps: GeneratedApplications): SignIn[] {
  const signIns: SignIn[] = [];
  const total = Math.min(MAX_SIGN_INS, Math.max(50, context.users.length));
  const users = context.users.filter((user) => user.accountEnabled);
  if (users.length === 0) return signIns;
  const popular = apps.firstParty.filter((sp) => sp.displayName !== 'Microsoft Graph');
  const targets = [...apps.saas, ...apps.inHouse.slice(1)];
  for (let i = 0; i < total; i++) {
    const user = random.pick(users);
    const app = targets.length > 0 && random.chance(0.45) ? random.pick(targets) : random.pick(popular);
    const failure = random.chance(0.08) ? random.pick(SIGN_IN_FAILURES) : undefined;
    const browser = random.chance(0.7);
    signIns.push({
      id: random.guid(),
      createdDateTime: isoTime(randomRecent(random, context)),
      userDisplayName: user.displayName,
      userPrincipalName: user.userPrincipalName,
      userId: user.id,
      appId: app.appId,
      appDisplayName: app.displayName,
      ipAddress: randomIp(random),
      clientAppUsed: browser ? 'Browser' : 'Mobile Apps and Desktop clients',
      correlationId: random.guid(),
      conditionalAccessStatus: failure?.errorCode === 53003 ? 'failure' : random.chance(0.6) ? 'success' : 'notApplied',
      isInteractive: true,
      resourceDisplayName: random.chance(0.6) ? 'Microsoft Graph' : app.displayName,
      resourceId: random.chance(0.6) ? apps.graph.appId : app.appId,
      riskDetail: 'none',
      riskLevelAggregated: 'none',
      riskLevelDuringSignIn: 'none',
      riskState: 'none',
      status: failure ? { errorCode: failure.errorCode, failureReason: failure.failureReason, additionalDetails: null } : { errorCode: 0, failureReason: null, additionalDetails: null },
      deviceDetail: {
        deviceId: '',
        displayName: '',
        operatingSystem: random.pick(['Windows10', 'MacOs', 'iOS', 'Android']),
        browser: browser ? random.pick(['Edge 124.0.0', 'Chrome 124.0.0', 'Safari 17.4']) : 'Rich Client 4.61.0.0',
        isCompliant: random.chance(0.6),
        isManaged: random.chance(0.6),
        trustType: '',
      },
      location: { city: user.city ?? 'Redmond', state: null, countryOrRegion: user.usageLocation ?? 'US', geoCoordinates: null },
    });
  }
  return signIns;
}

function adminActors(context: GenerationContext, access: GeneratedAccess): AuditInitiator[] {
  const adminRoles = new Set<string>([ROLE_TEMPLATE_IDS.globalAdministrator, ROLE_TEMPLATE_IDS.applicationAdministrator, ROLE_TEMPLATE_IDS.cloudApplicationAdministrator]);
  const ids = new Set(access.roleAssignments.filter((a) => adminRoles.has(a.roleDefinitionId)).map((a) => a.principalId));
  const admins = context.staff.filter((user) => ids.has(user.id)).map((user) => userInitiator(user, '198.51.100.10'));
  if (admins.length > 0) return admins;
  const fallback = context.staff[0] ?? context.users[0];
  return fallback ? [userInitiator(fallback)] : [{ user: null, app: null }];
}

/**
 * A time in the 30 days before the anchor, off the two bands a sync's look-back edge sweeps through
 * on the anchor's day (now - 30 days for audits, now - 7 days for sign-ins): a record there would
 * fall out of the window between two runs of one test and make them differ for no reason. A time
 * drawn inside a band moves one day later, so the draw consumes the same randomness as before.
 */
function randomRecent(random: Random, context: GenerationContext): number {
  const at = context.anchor - Math.floor(random.next() * WINDOW_MS);
  const inSweptBand = LOOKBACK_EDGES_MS.some((edge) => at >= context.anchor - edge && at < context.anchor - edge + DAY_MS);
  return inSweptBand ? at + DAY_MS : at;
}

/** How far back the sync reads audits and sign-ins (activities/staging/auditSpans.ts, activities/discovery/index.ts). */
const LOOKBACK_EDGES_MS = [WINDOW_MS, 7 * DAY_MS];

function randomIp(random: Random): string {
  return `${random.pick(['20', '40', '52', '104', '145'])}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
}
