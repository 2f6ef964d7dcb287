// One change the steady generator made, and how a sync's database shows it landed.

export const CHANGE_KINDS = [
  'userCreated',
  'userUpdated',
  'userDeleted',
  'memberAdded',
  'memberRemoved',
  'ownerAdded',
  'ownerRemoved',
  'directoryRoleAssigned',
  'pimEligibilityAdded',
  'secretAdded',
  'groupUpdated',
] as const;

export type ChangeKind = (typeof CHANGE_KINDS)[number];

/**
 * What a correct sync holds once the change has landed, by the keys Graph reports (never by
 * table: the simulator knows nothing of the product's schema). `present: false` means the key
 * must be gone; for a user, `live: false` means no live (undeleted) user with that id.
 */
export type ChangeExpectation =
  | { what: 'user'; id: string; live: true; jobTitle?: string }
  | { what: 'user'; id: string; live: false }
  | { what: 'membership'; groupId: string; memberId: string; present: boolean }
  | { what: 'group'; id: string; description: string }
  | { what: 'owner'; objectType: 'application' | 'servicePrincipal'; objectId: string; ownerId: string; present: boolean }
  | { what: 'roleAssignment'; id: string; present: true }
  | { what: 'roleEligibility'; id: string; present: true }
  | { what: 'credential'; ownerType: 'application' | 'servicePrincipal'; ownerId: string; keyId: string; present: true };

export interface TenantChange {
  /** 1, 2, 3… in the order the changes took effect. */
  seq: number;
  kind: ChangeKind;
  /** The simulator clock's time (ms since the epoch) when the change took effect. */
  at: number;
  expect: ChangeExpectation;
}
