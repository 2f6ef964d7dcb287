/**
 * Every Graph response the activities get, as an event for the worker's metrics. The Graph
 * client's middleware reports here; the worker process subscribes (one listener per process).
 */
export type GraphResponseEvent = { method: string; endpoint: string; status: number };

let listener: ((event: GraphResponseEvent) => void) | undefined;

export function onGraphResponse(next: ((event: GraphResponseEvent) => void) | undefined): void {
  listener = next;
}

/** `status` 0: no response (connection refused, reset, timed out). */
export function recordGraphResponse(method: string | undefined, url: string, status: number): void {
  if (!listener) return;
  try {
    listener({ method: (method ?? 'GET').toUpperCase(), endpoint: graphEndpoint(url), status });
  } catch {
    // Metrics never break a sync.
  }
}

const VERSIONS = new Set(['v1.0', 'beta']);
/** Path words are letters with a digit or two (oauth2PermissionGrants); ids are GUIDs, or carry other characters or many digits. */
const isId = (segment: string) => !/^\$?[A-Za-z][A-Za-z0-9.]*$/.test(segment) || (segment.match(/\d/g)?.length ?? 0) >= 3;

/** `/servicePrincipals/{id}/appRoleAssignedTo`: the path without version, ids and query, so labels stay few. */
export function graphEndpoint(url: string): string {
  let path: string;
  try {
    path = new URL(url, 'https://graph.invalid').pathname;
  } catch {
    return 'unknown';
  }
  const segments = path.split('/').filter(Boolean);
  if (VERSIONS.has(segments[0] ?? '')) segments.shift();
  return `/${segments.map((s) => (isId(decodeURIComponent(s)) ? '{id}' : s)).join('/')}`;
}
