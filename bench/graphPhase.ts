/**
 * Which part of a run sent a Graph request, named as the bench names activities, so each
 * part's time can be set against the bound of its own requests. Takes a concrete path or an
 * endpoint pattern (`/v1.0/servicePrincipals/{id}/owners`).
 */
export function graphPhaseOf(method: string, pathname: string): string {
  const segments = pathname.split('/').filter((segment) => segment.length > 0).slice(1);
  const [first, second] = segments.map((segment) => segment.toLowerCase());
  const last = segments.at(-1)?.toLowerCase();
  if (last === 'delta' && segments.length === 2) return `pullDelta ${segments[0]}`;
  if (first === 'rolemanagement') return 'pullFullStream';
  if (first === 'auditlogs' && second === 'directoryaudits') return 'pullAuditEvents';
  if ((first === 'auditlogs' && second === 'signins') || first === 'oauth2permissiongrants') return 'discovery';
  // The reconcile shards: $batch envelopes, their sub-requests, the nextLinks out of them, and
  // the direct reads that confirm a 404 (GET /servicePrincipals/{id}).
  if (method.toUpperCase() === 'POST' && first === '$batch') return 'reconciliation';
  if (last === 'owners' || last === 'approleassignedto') return 'reconciliation';
  if ((first === 'applications' || first === 'serviceprincipals') && segments.length === 2) return 'reconciliation';
  return 'other';
}
