/** bootstrap / incremental for delta and watermark streams; full for what is re-read every run. */
export type StreamMode = 'bootstrap' | 'incremental' | 'full';

/**
 * How a run reads a stream: from its delta cursor, from its watermark (both bootstrap without
 * one), or in full every run. The reconciled streams (owners, app role assignments) count as
 * `full`: their mode says they have no cursor, while the targets a run reads are those its plan
 * chose (reconcile_targets, each with its reason; docs/inventory.md), not every object.
 */
export type StreamReading = 'delta' | 'watermark' | 'full';

/** Activities that pull streams. These names are registered on the workers and recorded in histories. */
export type PullActivity = 'pullDelta' | 'pullFullStream' | 'pullAuditEvents' | 'reconcileShard' | 'pullPermissionGrants' | 'pullSignIns';

type PulledStream = {
  activity: PullActivity;
  /** The Microsoft Graph application permission it needs, named when Graph refuses. */
  permission: string;
  reading: StreamReading;
  /** Read on the discovery worker, for connectors that gather SaaS-discovery evidence. */
  discovery?: true;
};

/**
 * Every stream a run pulls, declared once; the key is its name in sync_run_streams and in the
 * run summary. prepareRun plans each (discovery ones when the connector gathers discovery
 * evidence) and the workflow runs each plan entry's activity.
 */
export const PULLED_STREAMS = {
  users: { activity: 'pullDelta', permission: 'User.Read.All', reading: 'delta' },
  groups: { activity: 'pullDelta', permission: 'Group.Read.All', reading: 'delta' },
  applications: { activity: 'pullDelta', permission: 'Application.Read.All', reading: 'delta' },
  servicePrincipals: { activity: 'pullDelta', permission: 'Application.Read.All', reading: 'delta' },
  // Owners and app role assignments have no delta: the reconcile shards read both, after the pulls.
  owners: { activity: 'reconcileShard', permission: 'Application.Read.All', reading: 'full' },
  appRoleAssignments: { activity: 'reconcileShard', permission: 'Application.Read.All', reading: 'full' },
  directoryRoleAssignments: { activity: 'pullFullStream', permission: 'RoleManagement.Read.Directory', reading: 'full' },
  // PIM for directory roles (Entra ID P2 or ID Governance; without it coverage is 'unavailable').
  directoryRoleEligibilities: {
    activity: 'pullFullStream',
    permission: 'RoleEligibilitySchedule.Read.Directory (or RoleManagement.Read.Directory)',
    reading: 'full',
  },
  directoryRoleActiveSchedules: {
    activity: 'pullFullStream',
    permission: 'RoleAssignmentSchedule.Read.Directory (or RoleManagement.Read.Directory)',
    reading: 'full',
  },
  // PIM for Groups on role-assignable groups: eligible and time-bound memberships and ownerships,
  // 20 group-scoped requests per JSON batch; without licence or permission coverage is 'unavailable'.
  groupPimSchedules: {
    activity: 'pullFullStream',
    permission: 'PrivilegedEligibilitySchedule.Read.AzureADGroup and PrivilegedAssignmentSchedule.Read.AzureADGroup',
    reading: 'full',
  },
  // The units that scope role assignments, for their names; without the permission, coverage is 'unavailable'.
  administrativeUnits: { activity: 'pullFullStream', permission: 'AdministrativeUnit.Read.All (or Directory.Read.All)', reading: 'full' },
  credentialAuditEvents: { activity: 'pullAuditEvents', permission: 'AuditLog.Read.All', reading: 'watermark' },
  permissionGrants: {
    activity: 'pullPermissionGrants',
    permission: 'DelegatedPermissionGrant.Read.All (or Directory.Read.All)',
    reading: 'full',
    discovery: true,
  },
  signIns: { activity: 'pullSignIns', permission: 'AuditLog.Read.All', reading: 'watermark', discovery: true },
} as const satisfies Record<string, PulledStream>;

/** What finalize derives from pulled streams; summary rows with `derived_from`. */
export const DERIVED_STREAMS = {
  memberships: { derivedFrom: 'groups' },
  groupOwners: { derivedFrom: 'groups' },
  credentials: { derivedFrom: 'applications' },
  entitlements: { derivedFrom: 'appRoleAssignments' },
  discoveredApps: { derivedFrom: 'signIns' },
} as const satisfies Record<string, { derivedFrom: PulledStreamName }>;

export type PulledStreamName = keyof typeof PULLED_STREAMS;
type StreamsWhere<Shape> = { [K in PulledStreamName]: (typeof PULLED_STREAMS)[K] extends Shape ? K : never }[PulledStreamName];

export type DeltaStream = StreamsWhere<{ reading: 'delta' }>;
export type WatermarkStream = StreamsWhere<{ reading: 'watermark' }>;
export type DiscoveryStream = StreamsWhere<{ discovery: true }>;

function streamsWhere<S extends PulledStreamName>(test: (stream: PulledStream) => boolean): S[] {
  return (Object.keys(PULLED_STREAMS) as PulledStreamName[]).filter((name) => test(PULLED_STREAMS[name])) as S[];
}

/** The Graph delta streams, pulled in parallel. */
export const DELTA_STREAMS: readonly DeltaStream[] = streamsWhere<DeltaStream>((s) => s.reading === 'delta');
/** Streams only connectors with discovery on read. */
export const DISCOVERY_STREAMS: readonly DiscoveryStream[] = streamsWhere<DiscoveryStream>((s) => s.discovery === true);
/** Streams of every run besides the delta streams: read in full, or from a watermark. */
export const RELATIONSHIP_STREAMS: readonly PulledStreamName[] = streamsWhere((s) => s.reading !== 'delta' && s.discovery !== true);

/** Streams the reconcile shards read, after the pulls: they have no delta. */
export const RECONCILED_STREAMS: readonly PulledStreamName[] = streamsWhere((s) => s.activity === 'reconcileShard');

export const AUDIT_STREAM = 'credentialAuditEvents' satisfies WatermarkStream;
/**
 * The pulls reconciliation plans from (activities/staging/planTargets.ts): the apps and service
 * principals whose owners and assignments it reads, and the audit events that name targets. Its
 * first wave starts once the apps and service principals are staged, its second once the audit
 * events are, beside the longer pulls (users, groups) it does not read.
 */
export const RECONCILE_INPUTS: readonly PulledStreamName[] = ['applications', 'servicePrincipals', AUDIT_STREAM];
export const SIGN_INS_STREAM = 'signIns' satisfies WatermarkStream;
export const GRANTS_STREAM = 'permissionGrants' satisfies DiscoveryStream;
/** The streams read in full every run from Graph lists, by the pullFullStream activity, one per call. */
export type FullStream = StreamsWhere<{ activity: 'pullFullStream' }>;

export function isDeltaStream(stream: string): stream is DeltaStream {
  return (DELTA_STREAMS as readonly string[]).includes(stream);
}
