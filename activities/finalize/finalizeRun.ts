import type { ActivityDeps } from '../deps';
import { finalizeRun as commitRun } from './finalize';
import type { RunSummary } from './runSummary';
import { failRun as recordFailure } from '../store/runs';
import { owningRun } from '../owningRun';
import { killPoint } from '../killPoint';
import { heartbeatWhile } from '../heartbeatWhile';


export function finalizeRunActivity({ db }: ActivityDeps) {
  return async function finalizeRun(input: { syncRunId: number }): Promise<RunSummary> {
    const summary = await heartbeatWhile(() => commitRun(db, input.syncRunId, owningRun()));
    killPoint('finalize:afterCommit');
    return summary;
  };
}

export function failRunActivity({ db }: ActivityDeps) {
  return async function failRun(input: { syncRunId: number; kind: string; message: string }): Promise<{ failedBy: string }> {
    const recorded = await heartbeatWhile(() => recordFailure(db, input.syncRunId, owningRun(), input.kind, input.message));
    killPoint('failRun:afterCommit');
    return recorded;
  };
}
