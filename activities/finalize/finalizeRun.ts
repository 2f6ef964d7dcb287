import type { ActivityDeps } from '../deps';
import { finalizeRun as commitRun } from './finalize';
import type { RunSummary } from './runSummary';
import { failRun as recordFailure } from '../store/runs';
import { owningRun } from '../owningRun';


export function finalizeRunActivity({ db }: ActivityDeps) {
  return async function finalizeRun(input: { runId: number }): Promise<RunSummary> {
    return commitRun(db, input.runId, owningRun());
  };
}

export function failRunActivity({ db }: ActivityDeps) {
  return async function failRun(input: { runId: number; kind: string; message: string }): Promise<{ failedBy: string }> {
    return recordFailure(db, input.runId, owningRun(), input.kind, input.message);
  };
}
