import { createChangeSequence, DirectoryStream, type ChangeSequence, type DirectoryRecord } from './directoryStream';
import { createRandom, hashSeed, type Random } from './random';
import { completeNewUser, type UserProperties } from './userResource';

/** Names of delta-trackable streams; groups, applications, servicePrincipals join later. */
export type StreamName = 'users';

export interface TenantIdentity {
  tenantId: string;
  /** Initial domain, e.g. contoso.onmicrosoft.com: used in UPNs and accepted as tenant alias. */
  domain: string;
  displayName: string;
}

export type NewUser = Partial<UserProperties>;
export type UserPatch = Partial<Omit<UserProperties, 'id'>>;

/**
 * The simulated directory of one tenant: every stream shares one change sequence, so a
 * delta token's position is a single number whatever the stream.
 */
export class TenantStore {
  readonly users: DirectoryStream<UserProperties>;
  private readonly sequence: ChangeSequence = createChangeSequence();
  private readonly streams: Map<StreamName, DirectoryStream<{ id: string }>>;
  private readonly ids: Random;
  private readonly now: () => Date;

  constructor(
    readonly identity: TenantIdentity,
    options: { seed: number; now?: () => Date } = { seed: 0 },
  ) {
    this.ids = createRandom(hashSeed(options.seed, identity.tenantId, 'runtime-ids'));
    this.now = options.now ?? (() => new Date());
    this.users = new DirectoryStream<UserProperties>('users', this.sequence);
    this.streams = new Map<StreamName, DirectoryStream<{ id: string }>>([['users', this.users]]);
  }

  get tenantId(): string {
    return this.identity.tenantId;
  }

  get domain(): string {
    return this.identity.domain;
  }

  /** The sequence number of the latest change in any stream. */
  get currentSeq(): number {
    return this.sequence.current;
  }

  stream(name: string): DirectoryStream<{ id: string }> | undefined {
    return this.streams.get(name as StreamName);
  }

  createUser(input: NewUser = {}): UserProperties {
    const user = completeNewUser({ ...input, id: input.id ?? this.ids.guid() }, { domain: this.domain, now: this.now() });
    return snapshot(this.users.create(user));
  }

  updateUser(id: string, patch: UserPatch): UserProperties {
    return snapshot(this.users.update(id, patch));
  }

  softDeleteUser(id: string): UserProperties {
    return snapshot(this.users.softDelete(id));
  }

  restoreUser(id: string): UserProperties {
    return snapshot(this.users.restore(id));
  }

  hardDeleteUser(id: string): void {
    this.users.hardDelete(id);
  }

  getUser(id: string): (UserProperties & { state: DirectoryRecord<UserProperties>['state'] }) | undefined {
    const record = this.users.get(id);
    return record ? { ...snapshot(record), state: record.state } : undefined;
  }

  /** Ground truth: what a correct sync must hold, sorted by id. */
  activeUsers(): UserProperties[] {
    return Array.from(this.users.activeRecords(), snapshot);
  }
}

/** Copies so callers cannot mutate the store behind the change log's back. */
function snapshot<P extends { id: string }>(record: DirectoryRecord<P>): P {
  return structuredClone(record.properties);
}
