import { GroupMemberships } from './groupMemberships';

/**
 * Owners of groups (users or service principals), with the same per-group change log as direct
 * members: groups delta reports them as `owners@delta` when `owners` is selected, and a
 * soft-deleted owner leaves (and a restored one rejoins) its groups' owners exactly as a member
 * leaves its groups. Unlike app and service principal owners (read per object, ObjectOwners),
 * these are delta-tracked, so they share the membership bookkeeping.
 */
export class GroupOwners extends GroupMemberships {}
