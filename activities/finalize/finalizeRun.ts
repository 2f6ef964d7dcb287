import type { ActivityDeps } from '../deps';
import { finalizeRun as commitRun } from './finalize';
import type { RunSummary } from './runSummary';
import { failRun as markRunFailed } from '../store/runs';

export function finalizeRunActivity({ db }: ActivityDeps) {
  return async function finalizeRun(input: { runId: number }): Promise<RunSummary> {
    return commitRun(db, input.runId);
  };
}

export function failRunActivity({ db }: ActivityDeps) {
  return async function failRun(input: { runId: number; kind: string; message: string }): Promise<void> {
    await markRunFailed(db, input.runId, input.kind, input.message);
  };
}
