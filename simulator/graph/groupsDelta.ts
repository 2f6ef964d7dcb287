import { odataTypeOf } from '../model/directoryObjects';
import { GROUP_COLLECTION_PROPERTIES, GROUP_DEFAULT_PROPERTIES, GROUP_SELECTABLE_PROPERTIES } from '../model/groupResource';
import type { TenantStore } from '../tenant/tenantStore';
import type { DeltaLinkSource, DeltaResource } from './deltaQuery';
import { GRAPH_PERMISSIONS } from './graphPermissions';

/** A group's direct members as `members@delta`, from the tenant's membership change log. */
function groupMembers(tenant: TenantStore): DeltaLinkSource {
  const memberships = tenant.memberships;
  return {
    current: (groupId) => memberships.sortedMembersOf(groupId),
    changedAfter: (groupId, seq) => memberships.changedMembersAfter(groupId, seq),
    lastChangeSeq: (groupId) => memberships.lastChangeSeq(groupId),
    isLinked: (groupId, memberId) => memberships.has(groupId, memberId),
    odataType: (memberId) => odataTypeOf(tenant.objectKind(memberId) ?? 'user'),
  };
}

/** A group's owners as `owners@delta`, from the tenant's group-owner change log. */
function groupOwners(tenant: TenantStore): DeltaLinkSource {
  const owners = tenant.groupOwners;
  return {
    current: (groupId) => owners.sortedMembersOf(groupId),
    changedAfter: (groupId, seq) => owners.changedMembersAfter(groupId, seq),
    lastChangeSeq: (groupId) => owners.lastChangeSeq(groupId),
    isLinked: (groupId, ownerId) => owners.has(groupId, ownerId),
    odataType: (ownerId) => odataTypeOf(tenant.objectKind(ownerId) ?? 'user'),
  };
}

/** GET /v1.0/groups/delta (with `$select=…,members,owners` for membership and ownership changes) */
export const groupsDeltaResource: DeltaResource = {
  stream: 'groups',
  entitySet: 'groups',
  graphType: 'microsoft.graph.group',
  path: '/v1.0/groups/delta',
  acceptedPermissions: GRAPH_PERMISSIONS.groups,
  selectableProperties: [...GROUP_SELECTABLE_PROPERTIES, 'members', 'owners'],
  defaultProperties: GROUP_DEFAULT_PROPERTIES,
  collectionProperties: GROUP_COLLECTION_PROPERTIES,
  maxFilterIds: 50,
  linked: [
    { name: 'members', source: groupMembers },
    { name: 'owners', source: groupOwners },
  ],
};
