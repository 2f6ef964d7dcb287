import type { ApplicationProperties } from '../model/applicationResource';
import { AppRoleAssignments, type AppRoleAssignment } from '../model/appRoleAssignments';
import type { KeyCredential, NewKeyCredential, NewPasswordCredential, PasswordCredential } from '../model/credentials';
import type { AuditInitiator, DirectoryAudit } from '../model/directoryAudit';
import type { DirectoryObjectKind, SyntheticObjectKind } from '../model/directoryObjects';
import { BUILT_IN_ROLE_DEFINITIONS, RoleAssignments, type RoleAssignment, type RoleDefinition } from '../model/directoryRoles';
import { createChangeSequence, DirectoryStream, type ChangeSequence, type DirectoryRecord } from '../model/directoryStream';
import type { GroupProperties } from '../model/groupResource';
import { GroupMemberships } from '../model/groupMemberships';
import { LatestSignIns } from '../model/latestSignIns';
import { ObjectOwners } from '../model/objectOwners';
import { OAuth2PermissionGrants, type OAuth2PermissionGrant } from '../model/permissionGrants';
import { createRandom, hashSeed, type Random } from '../generate/random';
import type { ServicePrincipalProperties } from '../model/servicePrincipalResource';
import type { SignIn } from '../model/signIn';
import { InvalidStateError } from '../model/simulatorErrors';
import { TimeOrderedLog } from '../model/timeOrderedLog';
import type { UserProperties } from '../model/userResource';
import * as appRoleAssignmentChanges from './appRoleAssignmentChanges';
import { recordDirectoryAudit } from './auditRecording';
import * as credentialChanges from './credentialChanges';
import * as directoryRoleChanges from './directoryRoleChanges';
import * as groupMembershipChanges from './groupMembershipChanges';
import * as objectCreation from './objectCreation';
import * as ownerChanges from './ownerChanges';
import * as permissionGrantChanges from './permissionGrantChanges';
import { snapshot } from './recordSnapshot';
import { newSignIn } from './signInRecording';
import type {
  ChangeOptions,
  NewApplication,
  NewAppRoleAssignment,
  NewDirectoryAudit,
  NewGroup,
  NewPermissionGrant,
  NewRoleAssignment,
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
  readonly owners = new ObjectOwners();
  readonly appRoleAssignments = new AppRoleAssignments();
  readonly roleAssignments = new RoleAssignments();
  readonly roleDefinitions: RoleDefinition[] = BUILT_IN_ROLE_DEFINITIONS.map((definition) => structuredClone(definition));
  readonly permissionGrants = new OAuth2PermissionGrants();
  readonly directoryAudits = new TimeOrderedLog<DirectoryAudit>((audit) => audit.activityDateTime);
  readonly signIns = new TimeOrderedLog<SignIn>((signIn) => signIn.createdDateTime);
  /** Entra ID P1/P2 licence flag: without it /auditLogs/signIns answers 403. */
  premium: boolean;
  /** Who audit events name when a change gives no actor (the generator picks a Global Administrator). */
  defaultActor: AuditInitiator = {
    user: null,
    app: { appId: null, displayName: 'Simulator control API', servicePrincipalId: null, servicePrincipalName: null },
  };
  readonly seed: number;
  /** Seeded source of runtime ids; the change modules draw from it, so a seed replays the same ids. */
  readonly ids: Random;
  private readonly sequence: ChangeSequence = createChangeSequence();
  private readonly streams: Map<StreamName, DirectoryStream<{ id: string }>>;
  private readonly syntheticObjects = new Map<string, SyntheticObjectKind>();
  private readonly latestSignIns = new LatestSignIns();
  private readonly now: () => Date;

  constructor(
    readonly identity: TenantIdentity,
    options: TenantStoreOptions = { seed: 0 },
  ) {
    this.seed = options.seed;
    this.ids = createRandom(hashSeed(options.seed, identity.tenantId, 'runtime-ids'));
    this.now = options.now ?? (() => new Date());
    this.premium = options.premium ?? true;
    this.users = new DirectoryStream<UserProperties>('users', this.sequence);
    this.groups = new DirectoryStream<GroupProperties>('groups', this.sequence);
    this.applications = new DirectoryStream<ApplicationProperties>('applications', this.sequence);
    this.servicePrincipals = new DirectoryStream<ServicePrincipalProperties>('servicePrincipals', this.sequence);
    this.memberships = new GroupMemberships(this.sequence);
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
    return snapshot(record);
  }

  restoreObject<S extends StreamName>(stream: S, id: string): StreamObjects[S] {
    const record = this.streamOf(stream).restore(id);
    if (stream !== 'applications') {
      this.memberships.unpark(record.id, (groupId) => {
        const group = this.groups.get(groupId);
        return group !== undefined && group.state !== 'deleted';
      });
    }
    return snapshot(record);
  }

  /** Gone for good: a tombstone for delta, and every relationship of the object removed. */
  hardDeleteObject(stream: StreamName, id: string): void {
    const record = this.streamOf(stream).hardDelete(id);
    this.memberships.forget(record.id);
    this.owners.forget(record.id);
    this.appRoleAssignments.forget(record.id);
    this.roleAssignments.forget(record.id);
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

  /** Role assignments whose principal is active. */
  activeRoleAssignments(): RoleAssignment[] {
    return directoryRoleChanges.activeRoleAssignments(this);
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
}
