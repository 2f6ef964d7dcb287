import { completeNewApplication, type ApplicationProperties } from '../model/applicationResource';
import { DEFAULT_ACCESS_APP_ROLE_ID, AppRoleAssignments, type AppRoleAssignment, type AppRolePrincipalType } from '../model/appRoleAssignments';
import { newKeyCredential, newPasswordCredential, type KeyCredential, type NewKeyCredential, type NewPasswordCredential, type PasswordCredential } from '../model/credentials';
import {
  AUDIT_ACTIVITIES,
  credentialChangeAudit,
  directoryAudit,
  target,
  type AuditContext,
  type AuditInitiator,
  type DirectoryAudit,
} from '../model/directoryAudit';
import { isGuid, type DirectoryObjectKind, type SyntheticObjectKind } from '../model/directoryObjects';
import { BUILT_IN_ROLE_DEFINITIONS, RoleAssignments, type RoleAssignment, type RoleDefinition } from '../model/directoryRoles';
import { createChangeSequence, DirectoryStream, type ChangeSequence, type DirectoryRecord } from '../model/directoryStream';
import { completeNewGroup, type GroupProperties } from '../model/groupResource';
import { GroupMemberships } from '../model/groupMemberships';
import { appRoleAssignmentId, permissionGrantId, roleAssignmentId } from '../model/objectIds';
import { ObjectOwners } from '../model/objectOwners';
import { OAuth2PermissionGrants, type OAuth2PermissionGrant } from '../model/permissionGrants';
import { createRandom, hashSeed, type Random } from '../generate/random';
import { completeNewServicePrincipal, type ServicePrincipalProperties } from '../model/servicePrincipalResource';
import type { SignIn } from '../model/signIn';
import { InvalidStateError, ObjectNotFoundError } from '../model/simulatorErrors';
import {
  type ChangeOptions,
  type NewApplication,
  type NewAppRoleAssignment,
  type NewDirectoryAudit,
  type NewGroup,
  type NewPermissionGrant,
  type NewRoleAssignment,
  type NewServicePrincipal,
  type NewSignIn,
  type NewUser,
  type PropertyPatch,
  type StreamName,
  type StreamObjects,
  type TenantIdentity,
  type TenantStoreOptions,
  type UserPatch,
  type WithState,
} from './tenantModel';
import { TimeOrderedLog } from '../model/timeOrderedLog';
import { completeNewUser, graphDateTime, type UserProperties } from '../model/userResource';

export * from './tenantModel';

/**
 * The simulated directory of one tenant: the four delta streams share one change sequence (so
 * a delta token's position is a single number), plus the relationships Graph serves per object
 * (memberships, owners, app role and directory role assignments, grants) and the activity logs.
 *
 * Cascades: soft-deleting a user, group or service principal takes it out of the groups it is
 * a member of (restore puts it back); owners, app role and directory role assignments of an
 * inactive principal are hidden at read time; a hard delete removes every relationship.
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
  private readonly sequence: ChangeSequence = createChangeSequence();
  private readonly streams: Map<StreamName, DirectoryStream<{ id: string }>>;
  private readonly syntheticObjects = new Map<string, SyntheticObjectKind>();
  /** Latest sign-in per user, for users' signInActivity. */
  private readonly lastSignIns = new Map<string, SignIn>();
  private readonly ids: Random;
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

  // ---- Users -----------------------------------------------------------------------------

  createUser(input: NewUser = {}): UserProperties {
    const user = completeNewUser({ ...input, id: input.id ?? this.ids.guid() }, { domain: this.domain, now: this.now() });
    return snapshot(this.users.create(user));
  }

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

  // ---- Groups, applications, service principals -----------------------------------------

  createGroup(input: NewGroup = {}): GroupProperties {
    const group = completeNewGroup({ ...input, id: input.id ?? this.ids.guid() }, { domain: this.domain, now: this.now() });
    return snapshot(this.groups.create(group));
  }

  createApplication(input: NewApplication = {}, options: ChangeOptions = {}): ApplicationProperties {
    const application = completeNewApplication(
      { ...input, id: input.id ?? this.ids.guid(), appId: input.appId ?? this.ids.guid() },
      { domain: this.domain, now: this.now() },
    );
    const created = snapshot(this.applications.create(application));
    this.audit(options, (context) =>
      directoryAudit(context, {
        activityDisplayName: AUDIT_ACTIVITIES.addApplication,
        category: 'ApplicationManagement',
        operationType: 'Add',
        targetResources: [target(created.id, 'Application', created.displayName)],
      }),
    );
    return created;
  }

  /** When `appId` names an app registration of this tenant, the SP mirrors its name and roles. */
  createServicePrincipal(input: NewServicePrincipal = {}, options: ChangeOptions = {}): ServicePrincipalProperties {
    const appId = (input.appId ?? this.ids.guid()).toLowerCase();
    const registration = this.findApplicationByAppId(appId);
    const servicePrincipal = completeNewServicePrincipal(
      {
        ...(registration
          ? { displayName: registration.displayName, appRoles: structuredClone(registration.appRoles), signInAudience: registration.signInAudience }
          : {}),
        ...input,
        id: input.id ?? this.ids.guid(),
        appId,
      },
      { tenantId: this.tenantId },
    );
    const created = snapshot(this.servicePrincipals.create(servicePrincipal));
    this.audit(options, (context) =>
      directoryAudit(context, {
        activityDisplayName: AUDIT_ACTIVITIES.addServicePrincipal,
        category: 'ApplicationManagement',
        operationType: 'Add',
        targetResources: [target(created.id, 'ServicePrincipal', created.displayName)],
      }),
    );
    return created;
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

  // ---- Group memberships -----------------------------------------------------------------

  addGroupMember(groupId: string, memberId: string): void {
    const group = this.requireActive('groups', groupId);
    const member = memberId.toLowerCase();
    const kind = this.objectKind(member);
    if (!kind || kind === 'application') throw new ObjectNotFoundError('directoryObjects', memberId);
    if (!this.isActive(member)) throw new InvalidStateError(`${memberId} is deleted`);
    if (member === group.id) throw new InvalidStateError('a group cannot be a member of itself');
    if (group.properties.isAssignableToRole && kind !== 'user' && kind !== 'servicePrincipal') {
      throw new InvalidStateError('role-assignable groups hold only users and service principals');
    }
    this.memberships.add(group.id, member);
  }

  removeGroupMember(groupId: string, memberId: string): void {
    const group = this.requireActive('groups', groupId);
    this.memberships.remove(group.id, memberId.toLowerCase());
  }

  // ---- Owners of applications and service principals ------------------------------------

  addOwner(objectId: string, ownerId: string, options: ChangeOptions = {}): void {
    const owned = this.requireOwnable(objectId);
    const owner = ownerId.toLowerCase();
    const kind = this.objectKind(owner);
    if (kind !== 'user' && kind !== 'servicePrincipal') throw new ObjectNotFoundError('owner (user or servicePrincipal)', ownerId);
    if (!this.isActive(owner)) throw new InvalidStateError(`${ownerId} is deleted`);
    this.owners.add(owned.id, owner);
    const isApp = owned.stream === 'applications';
    this.audit(options, (context) =>
      directoryAudit(context, {
        activityDisplayName: isApp ? AUDIT_ACTIVITIES.addOwnerToApplication : AUDIT_ACTIVITIES.addOwnerToServicePrincipal,
        category: 'ApplicationManagement',
        operationType: 'Assign',
        targetResources: [
          target(owner, kind === 'user' ? 'User' : 'ServicePrincipal', this.displayNameOf(owner)),
          target(owned.id, isApp ? 'Application' : 'ServicePrincipal', owned.displayName),
        ],
      }),
    );
  }

  removeOwner(objectId: string, ownerId: string): void {
    const owned = this.requireOwnable(objectId);
    this.owners.remove(owned.id, ownerId.toLowerCase());
  }

  /** Active owners, in the order they were added. */
  activeOwnersOf(objectId: string): string[] {
    return this.owners.ownersOf(objectId.toLowerCase()).filter((id) => this.isActive(id));
  }

  // ---- Credentials ------------------------------------------------------------------------

  addPasswordCredential(
    objectId: string,
    input: NewPasswordCredential = {},
    options: ChangeOptions = {},
  ): Omit<PasswordCredential, 'secretText'> & { secretText: string } {
    const holder = this.requireCredentialHolder(objectId);
    const { credential, secretText } = newPasswordCredential(this.ids, input, this.now());
    this.changeCredentials(holder, 'add', credential, options);
    return { ...credential, secretText };
  }

  addKeyCredential(objectId: string, input: NewKeyCredential = {}, options: ChangeOptions = {}): KeyCredential {
    const holder = this.requireCredentialHolder(objectId);
    const credential = newKeyCredential(this.ids, input, this.now(), holder.displayName);
    this.changeCredentials(holder, 'add', credential, options);
    return credential;
  }

  /** Removes a password or key credential by keyId. */
  removeCredential(objectId: string, keyId: string, options: ChangeOptions = {}): void {
    const holder = this.requireCredentialHolder(objectId);
    const key = keyId.toLowerCase();
    const credential =
      holder.properties.passwordCredentials.find((c) => c.keyId === key) ?? holder.properties.keyCredentials.find((c) => c.keyId === key);
    if (!credential) throw new ObjectNotFoundError('credential', keyId);
    this.changeCredentials(holder, 'remove', credential, options);
  }

  // ---- App role assignments -------------------------------------------------------------

  assignAppRole(input: NewAppRoleAssignment, options: ChangeOptions = {}): AppRoleAssignment {
    const resource = this.requireActive('servicePrincipals', input.resourceId);
    const principalId = input.principalId.toLowerCase();
    const principalType = this.appRolePrincipalType(principalId);
    const appRoleId = (input.appRoleId ?? DEFAULT_ACCESS_APP_ROLE_ID).toLowerCase();
    if (appRoleId !== DEFAULT_ACCESS_APP_ROLE_ID) {
      const role = resource.properties.appRoles.find((r) => r.id === appRoleId);
      if (!role || !role.isEnabled) throw new InvalidStateError(`app role ${appRoleId} is not an enabled role of ${resource.id}`);
      const memberType = principalType === 'ServicePrincipal' ? 'Application' : 'User';
      if (!role.allowedMemberTypes.includes(memberType)) throw new InvalidStateError(`app role ${appRoleId} does not allow ${memberType}`);
    }
    const assignment = this.appRoleAssignments.add({
      id: input.id ?? appRoleAssignmentId(this.ids, principalId),
      appRoleId,
      createdDateTime: input.createdDateTime ?? graphDateTime(this.now()),
      deletedDateTime: null,
      principalId,
      principalType,
      principalDisplayName: this.displayNameOf(principalId),
      resourceId: resource.id,
      resourceDisplayName: resource.properties.displayName,
    });
    this.audit(options, (context) =>
      directoryAudit(context, {
        activityDisplayName:
          principalType === 'ServicePrincipal' ? AUDIT_ACTIVITIES.addAppRoleAssignmentToServicePrincipal : AUDIT_ACTIVITIES.addAppRoleAssignmentGrantToUser,
        category: principalType === 'ServicePrincipal' ? 'ApplicationManagement' : 'UserManagement',
        operationType: 'Assign',
        targetResources: [
          target(resource.id, 'ServicePrincipal', resource.properties.displayName, [
            { displayName: 'AppRole.Id', oldValue: null, newValue: JSON.stringify(appRoleId) },
          ]),
          target(principalId, principalType, assignment.principalDisplayName),
        ],
      }),
    );
    return this.renderAppRoleAssignment(assignment);
  }

  removeAppRoleAssignment(id: string): void {
    this.appRoleAssignments.remove(id);
  }

  /** Assignments of the resource whose principal is active, display names current. */
  activeAppRoleAssignmentsOf(resourceId: string): AppRoleAssignment[] {
    return this.appRoleAssignments
      .assignedTo(resourceId.toLowerCase())
      .filter((assignment) => this.isActive(assignment.principalId))
      .map((assignment) => this.renderAppRoleAssignment(assignment));
  }

  // ---- Directory roles -------------------------------------------------------------------

  assignDirectoryRole(input: NewRoleAssignment, options: ChangeOptions = {}): RoleAssignment {
    const principalId = input.principalId.toLowerCase();
    const kind = this.objectKind(principalId);
    if (kind !== 'user' && kind !== 'group' && kind !== 'servicePrincipal') throw new ObjectNotFoundError('principal', input.principalId);
    if (!this.isActive(principalId)) throw new InvalidStateError(`${input.principalId} is deleted`);
    if (kind === 'group' && !this.groups.get(principalId)?.properties.isAssignableToRole) {
      throw new InvalidStateError('only role-assignable groups (isAssignableToRole) can hold directory roles');
    }
    const definition = this.roleDefinitions.find((d) => d.id === input.roleDefinitionId.toLowerCase());
    if (!definition) throw new ObjectNotFoundError('roleDefinitions', input.roleDefinitionId);
    const directoryScopeId = input.directoryScopeId ?? '/';
    this.requireValidScope(directoryScopeId);
    const assignment = this.roleAssignments.add({
      id: input.id ?? roleAssignmentId(this.ids),
      principalId,
      roleDefinitionId: definition.id,
      directoryScopeId,
      appScopeId: input.appScopeId === undefined ? null : input.appScopeId,
      condition: null,
    });
    this.audit(options, (context) =>
      directoryAudit(context, {
        activityDisplayName: AUDIT_ACTIVITIES.addMemberToRole,
        category: 'RoleManagement',
        operationType: 'Assign',
        targetResources: [
          target(principalId, kind === 'user' ? 'User' : kind === 'group' ? 'Group' : 'ServicePrincipal', this.displayNameOf(principalId), [
            { displayName: 'Role.DisplayName', oldValue: null, newValue: JSON.stringify(definition.displayName) },
            { displayName: 'Role.TemplateId', oldValue: null, newValue: JSON.stringify(definition.templateId) },
          ]),
        ],
      }),
    );
    return { ...assignment };
  }

  removeDirectoryRoleAssignment(id: string): void {
    this.roleAssignments.remove(id);
  }

  /** Role assignments whose principal is active. */
  activeRoleAssignments(): RoleAssignment[] {
    return [...this.roleAssignments.all()].filter((a) => this.isActive(a.principalId)).map((a) => ({ ...a }));
  }

  // ---- Delegated permission grants -------------------------------------------------------

  addPermissionGrant(input: NewPermissionGrant, options: ChangeOptions = {}): OAuth2PermissionGrant {
    const client = this.requireActive('servicePrincipals', input.clientId);
    const resource = this.requireActive('servicePrincipals', input.resourceId);
    const consentType = input.consentType ?? (input.principalId ? 'Principal' : 'AllPrincipals');
    const principalId = consentType === 'Principal' ? (input.principalId ?? '').toLowerCase() : null;
    if (consentType === 'Principal') this.requireActive('users', principalId ?? '');
    const grant = this.permissionGrants.add({
      id: input.id ?? permissionGrantId(client.id, resource.id, principalId),
      clientId: client.id,
      consentType,
      principalId,
      resourceId: resource.id,
      scope: input.scope,
    });
    this.audit(options, (context) =>
      directoryAudit(context, {
        activityDisplayName: AUDIT_ACTIVITIES.addDelegatedPermissionGrant,
        category: 'ApplicationManagement',
        operationType: 'Assign',
        targetResources: [
          target(resource.id, 'ServicePrincipal', resource.properties.displayName, [
            { displayName: 'DelegatedPermissionGrant.Scope', oldValue: null, newValue: JSON.stringify(input.scope) },
            { displayName: 'DelegatedPermissionGrant.ConsentType', oldValue: null, newValue: JSON.stringify(consentType) },
          ]),
        ],
      }),
    );
    return { ...grant };
  }

  removePermissionGrant(id: string): void {
    this.permissionGrants.remove(id);
  }

  // ---- Activity logs and licence ----------------------------------------------------------

  /** An audit event; what the input leaves out is filled like a live event (now, Core Directory, default actor). */
  recordDirectoryAudit(input: NewDirectoryAudit): DirectoryAudit {
    const context = this.auditContext(input.initiatedBy ? { actor: input.initiatedBy } : {});
    const audit = directoryAudit(
      {
        id: input.id ?? context.id,
        correlationId: input.correlationId ?? context.correlationId,
        activityDateTime: input.activityDateTime ?? context.activityDateTime,
        initiatedBy: context.initiatedBy,
      },
      {
        activityDisplayName: input.activityDisplayName,
        category: input.category ?? 'ApplicationManagement',
        operationType: input.operationType ?? 'Update',
        targetResources: input.targetResources ?? [],
        ...(input.result ? { result: input.result } : {}),
        ...(input.resultReason !== undefined ? { resultReason: input.resultReason } : {}),
      },
    );
    if (input.loggedByService) audit.loggedByService = input.loggedByService;
    if (input.additionalDetails) audit.additionalDetails = input.additionalDetails;
    return this.directoryAudits.append(audit);
  }

  /** A sign-in of a user into an app (by appId); names are filled from the tenant. */
  recordSignIn(input: NewSignIn): SignIn {
    const { userId, appId, ...overrides } = input;
    const user = this.users.require(userId).properties;
    const app = this.findServicePrincipalByAppId(appId);
    const signIn: SignIn = {
      id: this.ids.guid(),
      createdDateTime: new Date(this.now()).toISOString(),
      userDisplayName: user.displayName,
      userPrincipalName: user.userPrincipalName,
      userId: user.id,
      appId: appId.toLowerCase(),
      appDisplayName: app?.displayName ?? input.appDisplayName ?? 'Unknown application',
      ipAddress: `203.0.113.${this.ids.int(1, 254)}`,
      clientAppUsed: 'Browser',
      correlationId: this.ids.guid(),
      conditionalAccessStatus: 'success',
      isInteractive: true,
      resourceDisplayName: app?.displayName ?? 'Microsoft Graph',
      resourceId: app?.appId ?? '00000003-0000-0000-c000-000000000000',
      riskDetail: 'none',
      riskLevelAggregated: 'none',
      riskLevelDuringSignIn: 'none',
      riskState: 'none',
      status: { errorCode: 0, failureReason: null, additionalDetails: null },
      deviceDetail: { deviceId: '', displayName: '', operatingSystem: 'Windows10', browser: 'Edge 124.0.0', isCompliant: false, isManaged: false, trustType: '' },
      location: { city: user.city ?? 'Seattle', state: null, countryOrRegion: user.usageLocation ?? 'US', geoCoordinates: null },
      ...overrides,
    };
    this.noteSignIn(signIn);
    return this.signIns.append(signIn);
  }

  /** Bulk load at generation. */
  loadSignIns(signIns: readonly SignIn[]): void {
    this.signIns.load(signIns);
    for (const signIn of signIns) this.noteSignIn(signIn);
  }

  lastSignInOf(userId: string): SignIn | undefined {
    return this.lastSignIns.get(userId.toLowerCase());
  }

  private noteSignIn(signIn: SignIn): void {
    const previous = this.lastSignIns.get(signIn.userId);
    if (!previous || previous.createdDateTime < signIn.createdDateTime) this.lastSignIns.set(signIn.userId, signIn);
  }

  setPremium(premium: boolean): void {
    this.premium = premium;
  }

  // ---- Helpers -------------------------------------------------------------------------------

  displayNameOf(id: string): string | null {
    const key = id.toLowerCase();
    const record = this.users.get(key) ?? this.groups.get(key) ?? this.servicePrincipals.get(key) ?? this.applications.get(key);
    return record ? (record.properties as { displayName: string }).displayName : null;
  }

  private renderAppRoleAssignment(assignment: AppRoleAssignment): AppRoleAssignment {
    return {
      ...assignment,
      principalDisplayName: this.displayNameOf(assignment.principalId) ?? assignment.principalDisplayName,
      resourceDisplayName: this.displayNameOf(assignment.resourceId) ?? assignment.resourceDisplayName,
    };
  }

  private appRolePrincipalType(principalId: string): AppRolePrincipalType {
    const kind = this.objectKind(principalId);
    if (kind !== 'user' && kind !== 'group' && kind !== 'servicePrincipal') throw new ObjectNotFoundError('principal', principalId);
    if (!this.isActive(principalId)) throw new InvalidStateError(`${principalId} is deleted`);
    return kind === 'user' ? 'User' : kind === 'group' ? 'Group' : 'ServicePrincipal';
  }

  private requireOwnable(objectId: string): { id: string; stream: 'applications' | 'servicePrincipals'; displayName: string } {
    const kind = this.objectKind(objectId);
    if (kind !== 'application' && kind !== 'servicePrincipal') throw new ObjectNotFoundError('applications or servicePrincipals', objectId);
    const stream = kind === 'application' ? 'applications' : 'servicePrincipals';
    const record = this.requireActive(stream, objectId);
    return { id: record.id, stream, displayName: record.properties.displayName };
  }

  private requireCredentialHolder(objectId: string): CredentialHolder {
    const owned = this.requireOwnable(objectId);
    return { ...owned, properties: this.requireActive(owned.stream, owned.id).properties };
  }

  private changeCredentials(holder: CredentialHolder, change: 'add' | 'remove', credential: PasswordCredential | KeyCredential, options: ChangeOptions): void {
    const isPassword = 'hint' in credential;
    const property = isPassword ? 'passwordCredentials' : 'keyCredentials';
    const before = [...holder.properties.passwordCredentials, ...holder.properties.keyCredentials];
    const current = holder.properties[property] as Array<PasswordCredential | KeyCredential>;
    if (change === 'add' && before.some((c) => c.keyId === credential.keyId)) {
      throw new InvalidStateError(`credential ${credential.keyId} already exists`);
    }
    const next = change === 'add' ? [...current, credential] : current.filter((c) => c.keyId !== credential.keyId);
    this.streamOf(holder.stream).update(holder.id, { [property]: next } as Partial<ApplicationProperties & ServicePrincipalProperties>);
    const after = change === 'add' ? [...before, credential] : before.filter((c) => c.keyId !== credential.keyId);
    this.audit(options, (context) =>
      credentialChangeAudit(context, {
        targetKind: holder.stream === 'applications' ? 'Application' : 'ServicePrincipal',
        targetId: holder.id,
        targetDisplayName: holder.displayName,
        change,
        credential,
        before,
        after,
      }),
    );
  }

  private requireValidScope(scope: string): void {
    if (scope === '/') return;
    const administrativeUnit = /^\/administrativeUnits\/([^/]+)$/.exec(scope);
    if (administrativeUnit && isGuid(administrativeUnit[1] as string)) return;
    const objectScope = /^\/([^/]+)$/.exec(scope);
    if (objectScope && this.objectKind(objectScope[1] as string) === 'application' && this.isActive(objectScope[1] as string)) return;
    throw new InvalidStateError(`invalid directoryScopeId ${scope}: use "/", "/administrativeUnits/{id}" or "/{applicationObjectId}"`);
  }

  private audit(options: ChangeOptions, build: (context: AuditContext) => DirectoryAudit): void {
    this.directoryAudits.append(build(this.auditContext(options)));
  }

  private auditContext(options: ChangeOptions): AuditContext {
    return {
      id: `Directory_${this.ids.guid()}`,
      correlationId: this.ids.guid(),
      activityDateTime: new Date(this.now()).toISOString(),
      initiatedBy: options.actor ?? this.defaultActor,
    };
  }
}

interface CredentialHolder {
  id: string;
  stream: 'applications' | 'servicePrincipals';
  displayName: string;
  properties: { passwordCredentials: PasswordCredential[]; keyCredentials: KeyCredential[] };
}

/** Copies so callers cannot mutate the store behind the change log's back. */
function snapshot<P extends { id: string }>(record: DirectoryRecord<P>): P {
  return structuredClone(record.properties);
}

