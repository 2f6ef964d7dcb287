import type { PulledStreamName } from './streams';

/** A full run stages every stream; a tail pass a subset, from the committed cursors (docs/run-lifecycle.md). */
export type RunKind = 'full' | 'tail';

/**
 * The streams a tail pass reads. The delta streams only from a committed cursor (the tail waits
 * for the first full run); owners and app role assignments only of the targets the pass saw
 * created or changed, or audit events named; the small privileged lists in full; credential audit
 * events forward from the watermark. administrativeUnits, groupPimSchedules and the discovery
 * streams are read by full runs only.
 */
export const TAIL_STREAMS: readonly PulledStreamName[] = [
  'users',
  'groups',
  'applications',
  'servicePrincipals',
  'owners',
  'appRoleAssignments',
  'directoryRoleAssignments',
  'directoryRoleEligibilities',
  'directoryRoleActiveSchedules',
  'credentialAuditEvents',
];

/** Default backstop interval of a tail (ENTRA_TAIL_INTERVAL). */
export const DEFAULT_TAIL_INTERVAL_SECONDS = 30;
