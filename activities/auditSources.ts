/**
 * The directoryAudits queries a run sends: one `startswith(activityDisplayName, '<name>')` per
 * activity the connector keeps (activities/auditClassification.ts), each ANDed with the time
 * filter. Microsoft documents eq and startswith on activityDisplayName but not `or` between
 * clauses, so each activity is its own query (docs/graph-behaviour.md, "Filters on
 * directoryAudits"); startswith rather than eq because live logs add trailing spaces to some
 * names. The certificates-and-secrets activity is spelt with an EN DASH in live logs and with
 * other dashes elsewhere (the classifier accepts any): its query is the prefix before the dash,
 * which also returns the other "Update application" events; the classifier drops those.
 */
export const AUDIT_SOURCES: readonly string[] = [
  'Update application',
  'Add service principal credentials',
  'Remove service principal credentials',
  'Update external secrets',
  // Owners of applications and service principals, added and removed: incremental reconciliation
  // re-reads what these name. One prefix covers both object kinds.
  'Add owner to',
  'Remove owner from',
  // App role assignments to service principals, users ("… grant to user") and groups.
  'Add app role assignment',
  'Remove app role assignment',
  'Consent to application',
  'Add delegated permission grant',
];

/** An OData string literal: single quotes doubled. */
export function odataString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Whether one of the queries returns an event of this name (Graph's startswith ignores case). */
export function matchesAuditSource(name: unknown): boolean {
  return typeof name === 'string' && AUDIT_SOURCES.some((prefix) => name.toLowerCase().startsWith(prefix.toLowerCase()));
}
