import type { GraphObject } from '../graph/deltaPages';
import type { GraphSession } from '../graph/graphSessions';
import type { RetryOptions } from '../graph/graphRetry';
import { sendBatch, type BatchObserver, type BatchRequest, type BatchResult } from '../graph/jsonBatch';
import { memberType } from '../graph/odataType';
import { NOT_FOUND, type CollectionReader } from './collectionReader';
import type { NotFoundConfirmation } from './confirmNotFound';
import type { ReconcileTarget, ReconciledTarget } from './reconcileTargets';
import { ASSIGNMENTS, OWNERS } from './reconcileTraffic';
import { targetFailure } from './targetFailure';

/** Targets per batch: a service principal takes two sub-requests (owners, appRoleAssignedTo). */
export const TARGETS_PER_BATCH = 10;

const ownersUrl = (t: ReconcileTarget) => `/${t.objectType === 'application' ? 'applications' : 'servicePrincipals'}/${t.objectId}/owners?$select=id`;
const assignedToUrl = (t: ReconcileTarget) => `/servicePrincipals/${t.objectId}/appRoleAssignedTo`;

export type BatchReading = {
  session: GraphSession;
  retry: RetryOptions;
  observer: BatchObserver;
  reader: CollectionReader;
  notFound: NotFoundConfirmation;
};

/** Sub-requests of a batch: `o<n>` the owners of target n, `a<n>` a service principal's assignments. */
export function batchRequests(chunk: ReconcileTarget[]): BatchRequest[] {
  return chunk.flatMap((t, n) => [{ id: `o${n}`, url: ownersUrl(t) }, ...(t.objectType === 'servicePrincipal' ? [{ id: `a${n}`, url: assignedToUrl(t) }] : [])]);
}

/**
 * Reads the owners (and a service principal's assignments) of up to 10 targets in one JSON batch.
 * A target Graph refuses (403) or keeps answering 404 for while it exists comes back with its
 * failure; any other error fails the batch.
 */
export async function readTargetBatch(chunk: ReconcileTarget[], requests: BatchRequest[], reading: BatchReading): Promise<ReconciledTarget[]> {
  const { session, retry, observer } = reading;
  let answers: Map<string, BatchResult>;
  try {
    answers = await sendBatch(session.client, requests, retry, observer);
  } catch (err) {
    throw session.failed(err, '$batch');
  }
  const results: ReconciledTarget[] = [];
  for (const [n, target] of chunk.entries()) {
    try {
      results.push(await readTarget(target, n, answers, reading));
    } catch (err) {
      // A 403 or a lasting 404 of this target alone: reported and retried later, the rest commits.
      const failure = targetFailure(err);
      if (!failure) throw err;
      results.push({ ...target, gone: false, owners: [], assignments: [], failure });
    }
  }
  return results;
}

async function readTarget(target: ReconcileTarget, n: number, answers: Map<string, BatchResult>, { reader, notFound }: BatchReading): Promise<ReconciledTarget> {
  const owners = await reader.collect(answers.get(`o${n}`), ownersUrl(target), OWNERS);
  const assignments = target.objectType === 'servicePrincipal' ? await reader.collect(answers.get(`a${n}`), assignedToUrl(target), ASSIGNMENTS) : [];
  // One 404 means "maybe deleted" (replication delay): only a confirmed one marks the target gone.
  if ((owners === NOT_FOUND || assignments === NOT_FOUND) && (await notFound.deleted(target))) {
    return { ...target, gone: true, owners: [], assignments: [] };
  }
  const readOwners = await notFound.reread(owners, ownersUrl(target), OWNERS);
  const readAssignments = await notFound.reread(assignments, assignedToUrl(target), ASSIGNMENTS);
  return {
    ...target,
    gone: false,
    owners: readOwners.map((o: GraphObject) => ({ id: o.id, type: memberType(o['@odata.type']) })),
    assignments: readAssignments.map((a) => ({ id: a.id, data: a })),
  };
}
