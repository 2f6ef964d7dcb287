// How directory objects look when Graph returns them as directoryObjects: owners, members,
// role assignment principals. Each carries @odata.type so clients can tell users from SPs.

import { odataTypeOf } from '../model/directoryObjects';
import type { TenantStore } from '../tenant/tenantStore';

/** Properties a directoryObject collection returns per type when there is no $select. */
const SUMMARY_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  user: ['id', 'displayName', 'userPrincipalName', 'mail', 'userType', 'accountEnabled', 'jobTitle'],
  group: ['id', 'displayName', 'mail', 'mailEnabled', 'securityEnabled', 'groupTypes', 'isAssignableToRole'],
  servicePrincipal: ['id', 'appId', 'displayName', 'servicePrincipalType', 'appOwnerOrganizationId', 'accountEnabled'],
  application: ['id', 'appId', 'displayName'],
};

/** Names a client may $select on a directoryObject collection (any type's properties). */
export const DIRECTORY_OBJECT_SELECTABLE: readonly string[] = [
  ...new Set([
    ...Object.values(SUMMARY_PROPERTIES).flat(),
    'givenName', 'surname', 'department', 'createdDateTime', 'description', 'mailNickname', 'publisherName', 'appDisplayName', 'tags',
  ]),
];

/**
 * A directory object as a member/owner/principal: @odata.type, id and its summary properties
 * (or the selected ones the type has). Devices and contacts are known by id only.
 */
export function renderDirectoryObject(tenant: TenantStore, id: string, select: readonly string[] | null = null): Record<string, unknown> {
  const kind = tenant.objectKind(id) ?? 'user';
  const view: Record<string, unknown> = { '@odata.type': odataTypeOf(kind) };
  const stored = storedProperties(tenant, id);
  if (!stored) return { ...view, id };
  const names = select ?? SUMMARY_PROPERTIES[kind] ?? ['id'];
  for (const name of names) if (name in stored) view[name] = stored[name];
  view.id = id;
  return view;
}

function storedProperties(tenant: TenantStore, id: string): Record<string, unknown> | undefined {
  const record = tenant.users.get(id) ?? tenant.groups.get(id) ?? tenant.servicePrincipals.get(id) ?? tenant.applications.get(id);
  return record?.properties as Record<string, unknown> | undefined;
}

/** Selected (or default) properties of a stored object, id last; unset collections are []. */
export function renderProperties(
  stored: Record<string, unknown>,
  names: readonly string[],
  collectionProperties: ReadonlySet<string>,
  computed: Readonly<Record<string, () => unknown>> = {},
): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  for (const name of names) {
    const compute = computed[name];
    entry[name] = compute ? compute() : (stored[name] ?? (collectionProperties.has(name) ? [] : null));
  }
  entry.id = stored.id;
  return entry;
}
