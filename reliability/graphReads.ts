import type { RequestLogEntry } from '../simulator/http/requestLog';
import type { RunningSimulator } from '../simulator/server';

/**
 * What a run read from Graph, from the simulator's own request log (requests and the sub-requests
 * of each $batch): the evidence a scenario's "reads nothing again" or "re-reads only" rests on.
 */
export type LogMark = { requests: number; subRequests: number };

export const markLog = (sim: RunningSimulator): LogMark => ({ requests: sim.requestLog.entries().length, subRequests: sim.subRequestLog.entries().length });

/** Graph requests and $batch sub-requests answered since `mark` (token requests are not Graph's). */
export function readsSince(sim: RunningSimulator, mark: LogMark, until: LogMark = markLog(sim)) {
  const graph = (e: RequestLogEntry) => e.path.startsWith('/v1.0/') || e.path.startsWith('/beta/');
  return {
    requests: sim.requestLog.entries().slice(mark.requests, until.requests).filter(graph),
    subRequests: sim.subRequestLog.entries().slice(mark.subRequests, until.subRequests),
  };
}

export type GraphReads = ReturnType<typeof readsSince>;

/** Requests per path (no query: page tokens differ between runs) and sub-requests per URL. */
export function readCounts(reads: GraphReads): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const e of reads.requests) if (e.status < 400) add(e.path.split('?')[0]!);
  for (const e of reads.subRequests) if (e.status < 400) add(`$batch ${e.path}`);
  return counts;
}

/** Paths read a different number of times than the clean run read them, as lines. */
export function readDifferences(actual: Map<string, number>, clean: Map<string, number>): string[] {
  const keys = [...new Set([...actual.keys(), ...clean.keys()])].sort();
  const lines = keys.filter((k) => (actual.get(k) ?? 0) !== (clean.get(k) ?? 0)).map((k) => `${k} read ${actual.get(k) ?? 0} times, clean run ${clean.get(k) ?? 0}`);
  return lines.length > 4 ? [...lines.slice(0, 4), `and ${lines.length - 4} more paths`] : lines;
}

/** The Graph paths each pulled stream reads (activities/staging, activities/discovery), for "was it read again". */
export const STREAM_PATHS: Record<string, string[]> = {
  users: ['/v1.0/users/delta'],
  groups: ['/v1.0/groups/delta'],
  applications: ['/v1.0/applications/delta'],
  servicePrincipals: ['/v1.0/servicePrincipals/delta'],
  directoryRoleAssignments: ['/v1.0/roleManagement/directory/roleAssignments', '/v1.0/roleManagement/directory/roleDefinitions'],
  directoryRoleEligibilities: ['/v1.0/roleManagement/directory/roleEligibilityScheduleInstances'],
  directoryRoleActiveSchedules: ['/v1.0/roleManagement/directory/roleAssignmentScheduleInstances'],
  groupPimSchedules: ['/v1.0/identityGovernance/privilegedAccess/group/'],
  administrativeUnits: ['/v1.0/directory/administrativeUnits'],
  credentialAuditEvents: ['/v1.0/auditLogs/directoryAudits'],
  permissionGrants: ['/v1.0/oauth2PermissionGrants'],
  signIns: ['/v1.0/auditLogs/signIns'],
};

/** Requests and sub-requests in `reads` that belong to `stream`. */
export function readsOf(reads: GraphReads, stream: string): RequestLogEntry[] {
  const paths = STREAM_PATHS[stream];
  if (!paths) throw new Error(`no Graph path is known for the stream ${stream} (reliability/graphReads.ts)`);
  const ofStream = (e: RequestLogEntry) => paths.some((p) => e.path.startsWith(p));
  return [...reads.requests.filter(ofStream), ...reads.subRequests.filter(ofStream)];
}
