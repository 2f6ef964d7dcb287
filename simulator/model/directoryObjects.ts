// What kind of directory object an id names, and how Graph spells that kind.

export type DirectoryObjectKind = 'user' | 'group' | 'application' | 'servicePrincipal' | 'device' | 'orgContact';

/** Objects the simulator knows only by id and kind (group members such as devices). */
export type SyntheticObjectKind = 'device' | 'orgContact';

export function odataTypeOf(kind: DirectoryObjectKind): string {
  return `#microsoft.graph.${kind}`;
}

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID_PATTERN.test(value);
}
