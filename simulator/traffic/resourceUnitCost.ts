import { graphSegments } from './graphPath';

// Base costs of the identity-and-access resource-unit limit (docs/graph-behaviour.md, "Throttling"; Microsoft's
// "service-specific throttling limits" table). Anything not listed costs 1.
// `{id}` matches any one segment; a delta function costs what its list costs (unconfirmed).
const BASE_COSTS: ReadonlyArray<{ method: string; pattern: string[]; cost: number }> = [
  { method: 'GET', pattern: ['users'], cost: 2 },
  { method: 'GET', pattern: ['users', 'delta'], cost: 2 },
  { method: 'GET', pattern: ['applications'], cost: 2 },
  { method: 'GET', pattern: ['applications', 'delta'], cost: 2 },
  { method: 'GET', pattern: ['applications', '{id}', 'extensionProperties'], cost: 2 },
  { method: 'GET', pattern: ['groups', '{id}', 'members'], cost: 3 },
  { method: 'GET', pattern: ['groups', '{id}', 'transitiveMembers'], cost: 5 },
  { method: 'GET', pattern: ['oauth2PermissionGrants'], cost: 2 },
  { method: 'GET', pattern: ['oauth2PermissionGrants', 'delta'], cost: 2 },
  { method: 'GET', pattern: ['oauth2PermissionGrants', '{id}'], cost: 2 },
  { method: 'GET', pattern: ['servicePrincipals', '{id}', 'appRoleAssignments'], cost: 2 },
  { method: 'GET', pattern: ['subscribedSkus'], cost: 3 },
  { method: 'GET', pattern: ['contracts'], cost: 3 },
  { method: 'POST', pattern: ['directoryObjects', 'getByIds'], cost: 3 },
];

/** Queries that shrink the work (`$select`, small `$top`) or grow it (`$expand`). */
const SMALL_TOP = 20;

/**
 * Resource units one request costs: the base cost of its path, -1 with `$select`, +1 with
 * `$expand`, -1 with `$top` under 20, never below 1. Paths may be absolute (`/v1.0/users`)
 * or relative to the version root (`/users`, as in `$batch`).
 */
export function resourceUnitCost(method: string, url: URL): number {
  let cost = baseCost(method.toUpperCase(), graphSegments(url.pathname));
  const query = new Map([...url.searchParams.entries()].map(([name, value]) => [name.toLowerCase(), value]));
  if (query.has('$select')) cost -= 1;
  if (query.has('$expand')) cost += 1;
  const top = Number(query.get('$top'));
  if (query.has('$top') && Number.isFinite(top) && top < SMALL_TOP) cost -= 1;
  return Math.max(1, cost);
}

function baseCost(method: string, segments: string[]): number {
  // Sub-paths of a listed collection (`members/$ref`, `members/microsoft.graph.user`) cost as the collection.
  const costed = BASE_COSTS.find(
    (entry) =>
      entry.method === method &&
      segments.length >= entry.pattern.length &&
      entry.pattern.every((expected, index) => expected === '{id}' || expected.toLowerCase() === segments[index]?.toLowerCase()) &&
      (segments.length === entry.pattern.length || entry.pattern.length >= 3),
  );
  return costed?.cost ?? 1;
}
