// Where a request lands in Graph: which service limits apply and how ids are hidden for counting.

const VERSION_SEGMENT = /^(v1\.0|beta)$/i;

/** True for the Graph API surface (`/v1.0/...`, `/beta/...`), as opposed to identity or control routes. */
export function isGraphPath(pathname: string): boolean {
  const first = pathname.split('/').find((segment) => segment.length > 0);
  return first !== undefined && VERSION_SEGMENT.test(first);
}

/**
 * Path segments below the version root. Accepts `/v1.0/users/delta` as well as the relative
 * `/users/delta` of a `$batch` sub-request.
 */
export function graphSegments(pathname: string): string[] {
  const segments = pathname.split('/').filter((segment) => segment.length > 0);
  return segments.length > 0 && VERSION_SEGMENT.test(segments[0] as string) ? segments.slice(1) : segments;
}

/** The JSON batch envelope itself is free: Graph throttles each of its sub-requests instead. */
export function isBatchEnvelope(pathname: string): boolean {
  const segments = graphSegments(pathname);
  return segments.length === 1 && segments[0]?.toLowerCase() === '$batch';
}

/** `auditLogs/directoryAudits` and `auditLogs/signIns` fall under the reports limit, not resource units. */
export function isReportsPath(pathname: string): boolean {
  const [root, collection] = graphSegments(pathname).map((segment) => segment.toLowerCase());
  return root === 'auditlogs' && (collection === 'directoryaudits' || collection === 'signins');
}
