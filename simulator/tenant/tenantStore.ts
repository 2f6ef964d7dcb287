import type { ApplicationProperties } from '../model/applicationResource';
import { AppRoleAssignments, type AppRoleAssignment } from '../model/appRoleAssignments';
import type { KeyCredential, NewKeyCredential, NewPasswordCredential, PasswordCredential } from '../model/credentials';
import type { AuditInitiator, DirectoryAudit } from '../model/directoryAudit';
import type { DirectoryObjectKind, SyntheticObjectKind } from '../model/directoryObjects';
import { BUILT_IN_ROLE_DEFINITIONS, RoleAssignments, type RoleAssignment, type RoleDefinition } from '../model/directoryRoles';
import { createChangeSequence, DirectoryStream, type ChangeSequence, type DirectoryRecord } from '../model/directoryStream';
import { DirectoryChangeFeed } from '../model/directoryChangeFeed';
import type { GroupProperties } from '../model/groupResource';
import { GroupMemberships } from '../model/groupMemberships';
import { GroupOwners } from '../model/groupOwners';
import { LatestSignIns } from '../model/latestSignIns';
import { ObjectOwners } from '../model/objectOwners';
import { OAuth2PermissionGrants, type OAuth2PermissionGrant } from '../model/permissionGrants';
import { RoleEligibilities, type ActiveRoleWindow, type RoleEligibility } from '../model/roleSchedules';
import { AdministrativeUnits, type AdministrativeUnit } from '../model/administrativeUnits';
import { GroupPimSchedules, type GroupPimSchedule } from '../model/groupPimSchedules';
import { createRandom, hashSeed, type Random } from '../generate/random';
import type { ServicePrincipalProperties } from '../model/servicePrincipalResource';
import type { SignIn } from '../model/signIn';
import { InvalidStateError, ObjectNotFoundError } from '../model/simulatorErrors';
import { TimeOrderedLog } from '../model/timeOrderedLog';
import type { UserProperties } from '../model/userResource';
import * as appRoleAssignmentChanges from './appRoleAssignmentChanges';
import { recordDirectoryAudit } from './auditRecording';
import * as credentialChanges from './credentialChanges';
import * as directoryRoleChanges from './directoryRoleChanges';
import * as groupMembershipChanges from './groupMembershipChanges';
import * as groupOwnerChanges from './groupOwnerChanges';
import * as objectCreation from './objectCreation';
import * as ownerChanges from './ownerChanges';
import * as permissionGrantChanges from './permissionGrantChanges';
import { snapshot } from './recordSnapshot';
import * as roleScheduleChanges from './roleScheduleChanges';
import { newSignIn } from './signInRecording';
import type {
  ChangeOptions,
  NewApplication,
  NewAppRoleAssignment,
  NewDirectoryAudit,
  NewGroup,
  NewPermissionGrant,
  NewRoleAssignment,
  NewRoleEligibility,
  NewServicePrincipal,
  NewSignIn,
  NewUser,
  PropertyPatch,
  StreamName,
  StreamObjects,
  TenantIdentity,
  TenantStoreOptions,
  UserPatch,
  WithState,
} from './tenantModel';

export * from './tenantModel';

/**
 * The simulated directory of one tenant: the four delta streams share one change sequence (so
 * a delta token's position is a single number), plus the relationships Graph serves per object
 * (memberships, owners, app role and directory role assignments, grants) and the activity logs.
 *
 * Cascades: soft-deleting a user, group or service principal takes it out of the groups it is
 * a member of (restore puts it back); owners, app role and directory role assignments of an
 * inactive principal are hidden at read time; a hard delete removes every relationship.
 *
 * The class holds the state and the operations on objects of any stream; creation, each kind
 * of relationship and the activity logs live in their own modules of this folder.
 */
export class TenantStore {
  readonly users: DirectoryStream<UserProperties>;
  readonly groups: DirectoryStream<GroupProperties>;
  readonly applications: DirectoryStream<ApplicationProperties>;
  readonly servicePrincipals: DirectoryStream<ServicePrincipalProperties>;
  readonly memberships: GroupMemberships;
  /** Owners of groups, delta-tracked like members (owners@delta). */
  readonly groupOwners: GroupOwners;
  readonly owners = new ObjectOwners();
  readonly appRoleAssignments = new AppRoleAssignments();
  readonly roleAssignments = new RoleAssignments();
  /** PIM: eligibilities, and when each active assignment holds (by assignment id). */
  readonly roleEligibilities = new RoleEligibilities();
  readonly activeRoleWindows = new Map<string, ActiveRoleWindow>();
  /** Administrative units, which scope role assignments. */
  readonly administrativeUnits = new AdministrativeUnits();
  /** PIM for Groups: eligible and active memberships and ownerships of groups. */
  readonly groupPimSchedules = new GroupPimSchedules();
  readonly roleDefinitions: RoleDefinition[] = BUILT_IN_ROLE_DEFINITIONS.map((definition) => structuredClone(definition));
  readonly permissionGrants = new OAuth2PermissionGrants();
  readonly directoryAudits = new TimeOrderedLog<DirectoryAudit>((audit) => audit.activityDateTime);
  readonly signIns = new TimeOrderedLog<SignIn>((signIn) => signIn.createdDateTime);
  /** Entra ID P1/P2 licence flag: without it /auditLogs/signIns answers 403. */
  premium: boolean;
  /** Entra ID P2 or ID Governance licence flag: without it (or without P1/P2) PIM's APIs answer 400 AadPremiumLicenseRequired. */
  pimLicensed: boolean;
  /** Who audit events name when a change gives no actor (the generator picks a Global Administrator). */
  defaultActor: AuditInitiator = {
    user: null,
    app: { appId: null, displayName: 'Simulator control API', servicePrincipalId: null, servicePrincipalName: null },
  };
  readonly seed: number;
  /** Seeded source of runtime ids; the change modules draw from it, so a seed replays the same ids. */
  readonly ids: Random;
  private readonly sequence: ChangeSequence = createChangeSequence();
  /** Every change after generation, as it happens: what change notifications are made from. */
  readonly changes = new DirectoryChangeFeed();
  private readonly streams: Map<StreamName, DirectoryStream<{ id: string }>>;
  private readonly syntheticObjects = new Map<string, SyntheticObjectKind>();
  private readonly latestSignIns = new LatestSignIns();
  private readonly now: () => Date;
  /**
   * How long the PIM schedule instance lists (role eligibilities, PIM for Groups) keep showing an
   * instance after its endDateTime. Graph was seen to (issue 33); for how long is not documented.
   * 0 by default: an instance leaves the list at its end.
   */
  endedInstancesListedForMs = 0;

  constructor(
    readonly identity: TenantIdentity,
    options: TenantStoreOptions = { seed: 0 },
  ) {
    this.seed = options.seed;
    this.ids = createRandom(hashSeed(options.seed, identity.tenantId, 'runtime-ids'));
    this.now = options.now ?? (() => new Date());
    this.premium = options.premium ?? true;
    this.pimLicensed = options.pimLicensed ?? true;
    this.users = new DirectoryStream<UserProperties>('users', this.sequence, this.changes);
    this.groups = new DirectoryStream<GroupProperties>('groups', this.sequence, this.changes);
    this.applications = new DirectoryStream<ApplicationProperties>('applications', this.sequence, this.changes);
    this.servicePrincipals = new DirectoryStream<ServicePrincipalProperties>('servicePrincipals', this.sequence, this.changes);
    this.memberships = new GroupMemberships(this.sequence, this.changes, 'members');
    this.groupOwners = new GroupOwners(this.sequence, this.changes, 'owners');
    this.streams = new Map<StreamName, DirectoryStream<{ id: string }>>([
      ['users', this.users],
      ['groups', this.groups],
      ['applications', this.applications],
      ['servicePrincipals', this.servicePrincipals],
    ]);
  }

  get tenantId(): string {
    return this.identity.tenantId;
  }

  get domain(): string {
    return this.identity.domain;
  }

  /** The sequence number of the latest change in any stream or membership. */
  get currentSeq(): number {
    return this.sequence.current;
  }

  /** The current time of the tenant (injectable for tests). */
  currentTime(): Date {
    return this.now();
  }

  stream(name: string): DirectoryStream<{ id: string }> | undefined {
    return this.streams.get(name as StreamName);
  }

  streamOf<S extends StreamName>(name: S): DirectoryStream<StreamObjects[S]> {
    return this.streams.get(name) as unknown as DirectoryStream<StreamObjects[S]>;
  }

  // ---- Objects of any stream -------------------------------------------------------------

  getObject<S extends StreamName>(stream: S, id: string): WithState<StreamObjects[S]> | undefined {
    const record = this.streamOf(stream).get(id);
    return record ? { ...snapshot(record), state: record.state } : undefined;
  }

  /** Ground truth: what a correct sync must hold, sorted by id. */
  activeObjects<S extends StreamName>(stream: S): StreamObjects[S][] {
    return Array.from(this.streamOf(stream).activeRecords(), snapshot);
  }

  updateObject<S extends StreamName>(stream: S, id: string, patch: PropertyPatch<S>): StreamObjects[S] {
    if ('appId' in (patch as object) && (stream === 'applications' || stream === 'servicePrincipals')) {
      throw new InvalidStateError('appId cannot change');
    }
    return snapshot(this.streamOf(stream).update(id, patch as Partial<StreamObjects[S]>));
  }

  softDeleteObject<S extends StreamName>(stream: S, id: string): StreamObjects[S] {
    const record = this.streamOf(stream).softDelete(id);
    if (stream !== 'applications') this.memberships.park(record.id);
    if (stream === 'users' || stream === 'servicePrincipals') this.groupOwners.park(record.id);
    return snapshot(record);
  }

  restoreObject<S extends StreamName>(stream: S, id: string): StreamObjects[S] {
    const record = this.streamOf(stream).restore(id);
    const groupExists = (groupId: string) => {
      const group = this.groups.get(groupId);
      return group !== undefined && group.state !== 'deleted';
    };
    if (stream !== 'applications') this.memberships.unpark(record.id, groupExists);
    if (stream === 'users' || stream === 'servicePrincipals') this.groupOwners.unpark(record.id, groupExists);
    return snapshot(record);
  }

  /** Gone for good: a tombstone for delta, and every relationship of the object removed. */
  hardDeleteObject(stream: StreamName, id: string): void {
    const record = this.streamOf(stream).hardDelete(id);
    this.memberships.forget(record.id);
    this.groupOwners.forget(record.id);
    this.owners.forget(record.id);
    this.appRoleAssignments.forget(record.id);
    this.roleAssignments.forget(record.id);
    this.roleEligibilities.forget(record.id);
    this.groupPimSchedules.forget(record.id);
    this.permissionGrants.forget(record.id);
  }

  /** The kind of any object the tenant knows, deleted ones included. */
  objectKind(id: string): DirectoryObjectKind | undefined {
    const key = id.toLowerCase();
    if (this.users.get(key)) return 'user';
    if (this.groups.get(key)) return 'group';
    if (this.servicePrincipals.get(key)) return 'servicePrincipal';
    if (this.applications.get(key)) return 'application';
    return this.syntheticObjects.get(key);
  }

  /** Active (not deleted) objects; synthetic objects are always active. */
  isActive(id: string): boolean {
    const key = id.toLowerCase();
    const record = this.users.get(key) ?? this.groups.get(key) ?? this.servicePrincipals.get(key) ?? this.applications.get(key);
    return record ? record.state === 'active' : this.syntheticObjects.has(key);
  }

  /** Active object of a stream, or ObjectNotFoundError (unknown id) / InvalidStateError (deleted). */
  requireActive<S extends StreamName>(stream: S, id: string): DirectoryRecord<StreamObjects[S]> {
    const record = this.streamOf(stream).require(id);
    if (record.state !== 'active') throw new InvalidStateError(`${stream} object ${id} is ${record.state}`);
    return record;
  }

  /** Registers a device or organisational contact known only by id (a group member). */
  addSyntheticObject(kind: SyntheticObjectKind, id: string = this.ids.guid()): string {
    const key = id.toLowerCase();
    if (this.objectKind(key)) throw new InvalidStateError(`object ${key} already exists`);
    this.syntheticObjects.set(key, kind);
    return key;
  }

  findApplicationByAppId(appId: string): ApplicationProperties | undefined {
    for (const record of this.applications.activeRecords()) if (record.properties.appId === appId.toLowerCase()) return record.properties;
    return undefined;
  }

  findServicePrincipalByAppId(appId: string): ServicePrincipalProperties | undefined {
    for (const record of this.servicePrincipals.activeRecords()) {
      if (record.properties.appId === appId.toLowerCase()) return record.properties;
    }
    return undefined;
  }

  displayNameOf(id: string): string | null {
    const key = id.toLowerCase();
    const record = this.users.get(key) ?? this.groups.get(key) ?? this.servicePrincipals.get(key) ?? this.applications.get(key);
    return record ? (record.properties as { displayName: string }).displayName : null;
  }

  // ---- Creation (objectCreation.ts) ----------------------------------------------------------

  createUser(input: NewUser = {}): UserProperties {
    return objectCreation.createUser(this, input);
  }

  createGroup(input: NewGroup = {}): GroupProperties {
    return objectCreation.createGroup(this, input);
  }

  createApplication(input: NewApplication = {}, options: ChangeOptions = {}): ApplicationProperties {
    return objectCreation.createApplication(this, input, options);
  }

  /** When `appId` names an app registration of this tenant, the SP mirrors its name and roles. */
  createServicePrincipal(input: NewServicePrincipal = {}, options: ChangeOptions = {}): ServicePrincipalProperties {
    return objectCreation.createServicePrincipal(this, input, options);
  }

  // ---- User shorthands ---------------------------------------------------------------------

  updateUser(id: string, patch: UserPatch): UserProperties {
    return this.updateObject('users', id, patch);
  }

  softDeleteUser(id: string): UserProperties {
    return this.softDeleteObject('users', id);
  }

  restoreUser(id: string): UserProperties {
    return this.restoreObject('users', id);
  }

  hardDeleteUser(id: string): void {
    this.hardDeleteObject('users', id);
  }

  getUser(id: string): WithState<UserProperties> | undefined {
    return this.getObject('users', id);
  }

  activeUsers(): UserProperties[] {
    return this.activeObjects('users');
  }

  // ---- Relationships (one file per kind) -----------------------------------------------------

  addGroupMember(groupId: string, memberId: string): void {
    groupMembershipChanges.addGroupMember(this, groupId, memberId);
  }

  removeGroupMember(groupId: string, memberId: string): void {
    groupMembershipChanges.removeGroupMember(this, groupId, memberId);
  }

  addGroupOwner(groupId: string, ownerId: string): void {
    groupOwnerChanges.addGroupOwner(this, groupId, ownerId);
  }

  removeGroupOwner(groupId: string, ownerId: string): void {
    groupOwnerChanges.removeGroupOwner(this, groupId, ownerId);
  }

  /** Current owners of a group, in id order. */
  groupOwnersOf(groupId: string): readonly string[] {
    return groupOwnerChanges.groupOwnersOf(this, groupId);
  }

  addOwner(objectId: string, ownerId: string, options: ChangeOptions = {}): void {
    ownerChanges.addOwner(this, objectId, ownerId, options);
  }

  removeOwner(objectId: string, ownerId: string, options: ChangeOptions = {}): void {
    ownerChanges.removeOwner(this, objectId, ownerId, options);
  }

  /** Active owners, in the order they were added. */
  activeOwnersOf(objectId: string): string[] {
    return ownerChanges.activeOwnersOf(this, objectId);
  }

  addPasswordCredential(
    objectId: string,
    input: NewPasswordCredential = {},
    options: ChangeOptions = {},
  ): Omit<PasswordCredential, 'secretText'> & { secretText: string } {
    return credentialChanges.addPasswordCredential(this, objectId, input, options);
  }

  addKeyCredential(objectId: string, input: NewKeyCredential = {}, options: ChangeOptions = {}): KeyCredential {
    return credentialChanges.addKeyCredential(this, objectId, input, options);
  }

  /** Removes a password or key credential by keyId. */
  removeCredential(objectId: string, keyId: string, options: ChangeOptions = {}): void {
    credentialChanges.removeCredential(this, objectId, keyId, options);
  }

  assignAppRole(input: NewAppRoleAssignment, options: ChangeOptions = {}): AppRoleAssignment {
    return appRoleAssignmentChanges.assignAppRole(this, input, options);
  }

  removeAppRoleAssignment(id: string, options: ChangeOptions = {}): void {
    appRoleAssignmentChanges.removeAppRoleAssignment(this, id, options);
  }

  /** Assignments of the resource whose principal is active, display names current. */
  activeAppRoleAssignmentsOf(resourceId: string): AppRoleAssignment[] {
    return appRoleAssignmentChanges.activeAppRoleAssignmentsOf(this, resourceId);
  }

  assignDirectoryRole(input: NewRoleAssignment, options: ChangeOptions = {}): RoleAssignment {
    return directoryRoleChanges.assignDirectoryRole(this, input, options);
  }

  removeDirectoryRoleAssignment(id: string): void {
    this.roleAssignments.remove(id);
  }

  /** Role assignments whose principal is active and whose PIM window, if it has an end, has not ended. */
  activeRoleAssignments(): RoleAssignment[] {
    const now = this.currentTime();
    return directoryRoleChanges.activeRoleAssignments(this).filter((a) => {
      const window = this.activeRoleWindows.get(a.id);
      return !window || roleScheduleChanges.isCurrent(window, now);
    });
  }

  /** An administrative unit (assigned membership); its id may then scope role assignments. */
  addAdministrativeUnit(input: Partial<AdministrativeUnit> & { displayName: string }): AdministrativeUnit {
    return { ...this.administrativeUnits.add(newAdministrativeUnit(input.id ?? this.ids.guid(), input)) };
  }

  /**
   * PIM for Groups: an eligible or active membership or ownership. An active membership is a
   * membership too (the principal is added to the group's members).
   */
  addGroupPimSchedule(input: Omit<GroupPimSchedule, 'id' | 'scheduleId' | 'memberType' | 'assignmentType' | 'startDateTime' | 'endDateTime'> &
    Partial<Pick<GroupPimSchedule, 'startDateTime' | 'endDateTime' | 'assignmentType'>>): GroupPimSchedule {
    const groupId = input.groupId.toLowerCase();
    const principalId = input.principalId.toLowerCase();
    if (this.objectKind(groupId) !== 'group' || !this.isActive(groupId)) throw new ObjectNotFoundError('groups', input.groupId);
    const kind = this.objectKind(principalId);
    if ((kind !== 'user' && kind !== 'group' && kind !== 'servicePrincipal') || !this.isActive(principalId)) throw new ObjectNotFoundError('principal', input.principalId);
    const scheduleId = this.ids.guid();
    const schedule = this.groupPimSchedules.add({
      kind: input.kind,
      id: `${groupId}_${input.accessId}_${scheduleId}`,
      scheduleId,
      groupId,
      principalId,
      accessId: input.accessId,
      startDateTime: input.startDateTime ?? this.currentTime().toISOString(),
      endDateTime: input.endDateTime ?? null,
      memberType: 'direct',
      assignmentType: input.kind === 'active' ? (input.assignmentType ?? 'assigned') : null,
    });
    if (schedule.kind === 'active' && schedule.accessId === 'member' && !this.memberships.sortedMembersOf(groupId).includes(principalId)) this.addGroupMember(groupId, principalId);
    return { ...schedule };
  }

  /** PIM for Groups schedules in force now (or lingering past their end), on active groups of active principals. */
  currentGroupPimSchedules(): GroupPimSchedule[] {
    const now = this.currentTime();
    return this.groupPimSchedules
      .all()
      .filter((s) => this.isActive(s.groupId) && this.isActive(s.principalId) && roleScheduleChanges.isListed(s, now, this.endedInstancesListedForMs));
  }

  /** A PIM eligibility for a directory role. */
  addRoleEligibility(input: NewRoleEligibility): RoleEligibility {
    return roleScheduleChanges.addRoleEligibility(this, input);
  }

  removeRoleEligibility(id: string): void {
    this.roleEligibilities.remove(id);
  }

  /** Makes an active assignment time-bound (an end), or activated from an eligibility. */
  scheduleActiveRole(assignmentId: string, window: Partial<Omit<ActiveRoleWindow, 'roleAssignmentScheduleId'>>): ActiveRoleWindow {
    return roleScheduleChanges.scheduleActiveRole(this, assignmentId, window);
  }

  /** Eligibilities in force now, of active principals. */
  currentRoleEligibilities(): RoleEligibility[] {
    return roleScheduleChanges.currentRoleEligibilities(this);
  }

  /** Active assignments with their PIM windows. */
  activeRoleSchedules(): roleScheduleChanges.ActiveRoleScheduleInstance[] {
    return roleScheduleChanges.currentActiveRoleSchedules(this, this.activeRoleAssignments());
  }

  addPermissionGrant(input: NewPermissionGrant, options: ChangeOptions = {}): OAuth2PermissionGrant {
    return permissionGrantChanges.addPermissionGrant(this, input, options);
  }

  removePermissionGrant(id: string): void {
    this.permissionGrants.remove(id);
  }

  // ---- Activity logs and licence ----------------------------------------------------------

  /** An audit event; what the input leaves out is filled like a live event (now, Core Directory, default actor). */
  recordDirectoryAudit(input: NewDirectoryAudit): DirectoryAudit {
    return recordDirectoryAudit(this, input);
  }

  /** A sign-in of a user into an app (by appId); names are filled from the tenant. */
  recordSignIn(input: NewSignIn): SignIn {
    const signIn = newSignIn(this, input);
    this.latestSignIns.note(signIn);
    return this.signIns.append(signIn);
  }

  /** Bulk load at generation. */
  loadSignIns(signIns: readonly SignIn[]): void {
    this.signIns.load(signIns);
    for (const signIn of signIns) this.latestSignIns.note(signIn);
  }

  lastSignInOf(userId: string): SignIn | undefined {
    return this.latestSignIns.of(userId);
  }

  setPremium(premium: boolean): void {
    this.premium = premium;
  }

  setPimLicensed(licensed: boolean): void {
    this.pimLicensed = licensed;
  }

  /** PIM needs Entra ID P2 or ID Governance, each of which includes P1. */
  get pimAvailable(): boolean {
    return this.premium && this.pimLicensed;
  }
}

function newAdministrativeUnit(id: string, input: Partial<AdministrativeUnit> & { displayName: string }): AdministrativeUnit {
  return {
    description: null,
    visibility: null,
    membershipType: 'Assigned',
    membershipRule: null,
    membershipRuleProcessingState: null,
    isMemberManagementRestricted: false,
    ...input,
    id: id.toLowerCase(),
  };
}
