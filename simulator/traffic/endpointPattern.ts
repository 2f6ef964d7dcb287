// Groups requests by endpoint for counting: ids become placeholders, so
// /v1.0/servicePrincipals/3f2c.../owners counts as /v1.0/servicePrincipals/{id}/owners.

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Collections whose next segment is an object id (unless it is a function such as delta). */
const COLLECTIONS = new Set(
  [
    'users', 'groups', 'applications', 'servicePrincipals', 'directoryObjects', 'devices', 'contacts',
    'oauth2PermissionGrants', 'roleAssignments', 'roleDefinitions', 'directoryRoles', 'directoryAudits',
    'signIns', 'members', 'owners', 'transitiveMembers', 'memberOf', 'appRoleAssignedTo', 'appRoleAssignments',
    'extensionProperties', 'deletedItems',
  ].map((name) => name.toLowerCase()),
);
const FUNCTIONS = new Set(['delta', '$count', '$ref', '$value', '$batch', '$metadata']);
/** First segments that are not a tenant: the Graph versions, the control API, well-known authorities. */
const NOT_A_TENANT = new Set(['v1.0', 'beta', '_sim', 'common', 'organizations', 'consumers']);

/** Patterns of recent paths: counting asks for the same few paths on every request. */
const recent = new Map<string, string>();
const RECENT_CAPACITY = 1_000;

/** The path with ids replaced by `{id}` and the tenant of identity routes by `{tenant}`. */
export function endpointPattern(pathname: string): string {
  let pattern = recent.get(pathname);
  if (pattern === undefined) {
    if (recent.size >= RECENT_CAPACITY) recent.clear();
    pattern = computePattern(pathname);
    recent.set(pathname, pattern);
  }
  return pattern;
}

function computePattern(pathname: string): string {
  const segments = pathname.split('/').filter((segment) => segment.length > 0);
  const pattern = segments.map((segment, index) => {
    const previous = segments[index - 1]?.toLowerCase();
    const lower = segment.toLowerCase();
    if (index === 0) return NOT_A_TENANT.has(lower) ? segment : '{tenant}';
    if (GUID.test(segment) || segment.includes('@')) return '{id}';
    if (previous !== undefined && COLLECTIONS.has(previous) && !FUNCTIONS.has(lower) && !lower.startsWith('microsoft.graph.')) {
      return '{id}';
    }
    return segment;
  });
  return `/${pattern.join('/')}`;
}
