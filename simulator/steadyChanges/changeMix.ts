import { createRandom, hashSeed, type Random } from '../generate/random';
import type { TenantStore } from '../tenant/tenantStore';
import type { ChangeExpectation, ChangeKind, TenantChange } from './tenantChange';

export type ChangeShares = Readonly<Record<ChangeKind, number>>;

/**
 * Shares of each kind in the mix, out of 100: mostly what a working day does (profile edits,
 * membership moves), with the privileged changes a tail exists for (owners, roles, PIM, secrets).
 */
export const CHANGE_MIX: ChangeShares = {
  userUpdated: 25,
  userCreated: 10,
  userDeleted: 8,
  memberAdded: 14,
  memberRemoved: 10,
  ownerAdded: 8,
  ownerRemoved: 6,
  directoryRoleAssigned: 5,
  pimEligibilityAdded: 5,
  secretAdded: 9,
  groupUpdated: 0,
};

/**
 * Only what Graph sends change notifications for (users, and groups with their memberships:
 * docs/graph-behaviour.md, "Change notifications"), out of 100: the tail benchmark's notifications mode.
 */
export const NOTIFIED_CHANGE_MIX: ChangeShares = {
  userUpdated: 25,
  userCreated: 10,
  userDeleted: 10,
  memberAdded: 20,
  memberRemoved: 15,
  groupUpdated: 20,
  ownerAdded: 0,
  ownerRemoved: 0,
  directoryRoleAssigned: 0,
  pimEligibilityAdded: 0,
  secretAdded: 0,
};

/** Random picks before a kind gives up for this change (the next kind in the mix is tried). */
const PICKS = 50;

type Ownable = { id: string; type: 'application' | 'servicePrincipal' };
type Made = { expect: ChangeExpectation } | undefined;

/**
 * Makes one change at a time to a tenant, through the same TenantStore operations the control
 * API calls, chosen by seed: the same tenant and seed give the same changes with the same ids.
 *
 * Every user a change involves is used once only (created, updated, deleted, added to a group,
 * made an owner, given a role): no later change can undo an earlier one before a sync sees it,
 * so each change's expectation holds from the moment it lands until the end.
 */
export class ChangeMix {
  private readonly random: Random;
  private readonly touched = new Set<string>();
  private readonly touchedGroups = new Set<string>();
  private readonly users: string[];
  private readonly groups: string[];
  private readonly ownables: Ownable[];
  private readonly roleDefinitionIds: string[];
  private readonly kinds: ChangeKind[];
  private seq = 0;

  constructor(
    private readonly tenant: TenantStore,
    seed: number,
    private readonly now: () => number = () => tenant.currentTime().getTime(),
    private readonly shares: ChangeShares = CHANGE_MIX,
  ) {
    this.random = createRandom(hashSeed(seed, 'steady-changes'));
    this.users = tenant.activeObjects('users').map((u) => u.id);
    this.groups = tenant.activeObjects('groups').map((g) => g.id);
    this.ownables = [
      ...tenant.activeObjects('applications').map((a) => ({ id: a.id, type: 'application' as const })),
      ...tenant.activeObjects('servicePrincipals').map((s) => ({ id: s.id, type: 'servicePrincipal' as const })),
    ];
    this.roleDefinitionIds = tenant.roleDefinitions.map((d) => d.id);
    // Kinds with no share are never made (not even when the picked kind finds nothing to change).
    this.kinds = (Object.keys(shares) as ChangeKind[]).filter((kind) => shares[kind] > 0);
  }

  /** Makes the next change and returns it; undefined when no kind can find anything to change. */
  next(): TenantChange | undefined {
    const first = this.pickKind();
    for (let i = 0; i < this.kinds.length; i++) {
      const kind = this.kinds[(this.kinds.indexOf(first) + i) % this.kinds.length]!;
      const made = this.make(kind);
      if (made) return { seq: ++this.seq, kind, at: this.now(), expect: made.expect };
    }
    return undefined;
  }

  private pickKind(): ChangeKind {
    let roll = this.random.int(0, 99);
    for (const kind of this.kinds) {
      roll -= this.shares[kind];
      if (roll < 0) return kind;
    }
    return this.kinds.at(-1)!;
  }

  private make(kind: ChangeKind): Made {
    const t = this.tenant;
    switch (kind) {
      case 'userCreated': {
        const user = t.createUser({});
        this.touched.add(user.id);
        return { expect: { what: 'user', id: user.id, live: true } };
      }
      case 'userUpdated':
        return this.withUser((id) => {
          const jobTitle = `Steady change ${this.seq + 1}`;
          t.updateUser(id, { jobTitle });
          return { what: 'user', id, live: true, jobTitle };
        });
      case 'userDeleted':
        return this.withUser((id) => {
          if (this.random.chance(0.5)) t.softDeleteUser(id);
          else t.hardDeleteUser(id);
          return { what: 'user', id, live: false };
        });
      case 'memberAdded':
        return this.withUser((memberId) => {
          const groupId = this.random.pick(this.groups);
          if (t.memberships.sortedMembersOf(groupId).includes(memberId)) return undefined;
          t.addGroupMember(groupId, memberId);
          return { what: 'membership', groupId, memberId, present: true };
        });
      case 'memberRemoved':
        return this.attempt(() => {
          const groupId = this.random.pick(this.groups);
          const memberId = this.untouchedUserAmong(t.memberships.sortedMembersOf(groupId));
          if (!memberId) return undefined;
          t.removeGroupMember(groupId, memberId);
          this.touched.add(memberId);
          return { what: 'membership', groupId, memberId, present: false };
        });
      case 'ownerAdded':
        return this.withUser((ownerId) => {
          const object = this.random.pick(this.ownables);
          if (t.activeOwnersOf(object.id).includes(ownerId)) return undefined;
          t.addOwner(object.id, ownerId);
          return { what: 'owner', objectType: object.type, objectId: object.id, ownerId, present: true };
        });
      case 'ownerRemoved':
        return this.attempt(() => {
          const object = this.random.pick(this.ownables);
          const ownerId = this.untouchedUserAmong(t.activeOwnersOf(object.id));
          if (!ownerId) return undefined;
          t.removeOwner(object.id, ownerId);
          this.touched.add(ownerId);
          return { what: 'owner', objectType: object.type, objectId: object.id, ownerId, present: false };
        });
      case 'directoryRoleAssigned':
        return this.withUser((principalId) => {
          const assignment = t.assignDirectoryRole({ principalId, roleDefinitionId: this.random.pick(this.roleDefinitionIds) });
          return { what: 'roleAssignment', id: assignment.id, present: true };
        });
      case 'pimEligibilityAdded':
        return this.withUser((principalId) => {
          const eligibility = t.addRoleEligibility({ principalId, roleDefinitionId: this.random.pick(this.roleDefinitionIds) });
          return { what: 'roleEligibility', id: eligibility.id, present: true };
        });
      case 'groupUpdated':
        return this.attempt(() => {
          // Each group once, like users: a later update would undo this one's expectation.
          const id = this.random.pick(this.groups);
          if (this.touchedGroups.has(id) || !t.isActive(id)) return undefined;
          const description = `Steady change ${this.seq + 1}`;
          t.updateObject('groups', id, { description });
          this.touchedGroups.add(id);
          return { what: 'group', id, description };
        });
      case 'secretAdded':
        return this.attempt(() => {
          const object = this.random.pick(this.ownables);
          if (!t.isActive(object.id)) return undefined;
          const secret = t.addPasswordCredential(object.id, { displayName: `Steady change ${this.seq + 1}` });
          return { what: 'credential', ownerType: object.type, ownerId: object.id, keyId: secret.keyId, present: true };
        });
    }
  }

  /** A change to a user no change has involved yet; the user is then spent. */
  private withUser(change: (userId: string) => ChangeExpectation | undefined): Made {
    return this.attempt(() => {
      const id = this.random.pick(this.users);
      if (this.touched.has(id) || !this.tenant.isActive(id)) return undefined;
      const expect = change(id);
      if (expect) this.touched.add(id);
      return expect;
    });
  }

  private untouchedUserAmong(ids: readonly string[]): string | undefined {
    const candidates = ids.filter((id) => this.tenant.objectKind(id) === 'user' && this.tenant.isActive(id) && !this.touched.has(id));
    return candidates.length ? this.random.pick(candidates) : undefined;
  }

  /** Up to PICKS tries; a pick the tenant refuses (already a member, a full owner list) is skipped. */
  private attempt(change: () => ChangeExpectation | undefined): Made {
    for (let i = 0; i < PICKS; i++) {
      try {
        const expect = change();
        if (expect) return { expect };
      } catch {
        // The tenant refused this pick (Entra's rules): draw another.
      }
    }
    return undefined;
  }
}
