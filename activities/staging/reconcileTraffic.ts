import type { BatchObserver, BatchRequest } from '../graph/jsonBatch';
import type { StreamTraffic } from './pullRecords';

export const OWNERS = 'owners';
export const ASSIGNMENTS = 'appRoleAssignments';
export type ReconcileStream = typeof OWNERS | typeof ASSIGNMENTS;
export type ReconcileTraffic = Record<ReconcileStream, StreamTraffic>;

export const noTraffic = (): ReconcileTraffic => ({
  [OWNERS]: { pages: 0, requests: 0, subRequests: 0, throttled: 0 },
  [ASSIGNMENTS]: { pages: 0, requests: 0, subRequests: 0, throttled: 0 },
});

/** Sub-request ids: `o<n>` asks for owners, `a<n>` for appRoleAssignedTo. */
const streamOf = (request: BatchRequest): ReconcileStream => (request.id.startsWith('o') ? OWNERS : ASSIGNMENTS);

/**
 * Counts a batch's traffic per stream: each sub-request and its 429s to its own stream; each
 * HTTP POST once, to owners when it carries any owners sub-request, so the streams' requests
 * add up to the requests sent.
 */
export function batchTally(traffic: () => ReconcileTraffic): BatchObserver {
  return {
    posted(requests, throttled) {
      const stream = requests.some((r) => streamOf(r) === OWNERS) ? OWNERS : ASSIGNMENTS;
      traffic()[stream].requests += 1;
      if (throttled) traffic()[stream].throttled += 1;
      for (const request of requests) traffic()[streamOf(request)].subRequests += 1;
    },
    answered(request, status) {
      if (status === 429) traffic()[streamOf(request)].throttled += 1;
      if (status === 200) traffic()[streamOf(request)].pages += 1;
    },
  };
}
