import type { ActivityDeps } from './deps';
import { failRunActivity, finalizeRunActivity } from './finalizeRun';
import { prepareRunActivity } from './prepareRun';
import { pullDeltaActivity } from './pullDelta';

export function createSyncActivities(deps: ActivityDeps) {
  return {
    prepareRun: prepareRunActivity(deps),
    pullDelta: pullDeltaActivity(deps),
    finalizeRun: finalizeRunActivity(deps),
    failRun: failRunActivity(deps),
  };
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
export type { PreparedRun } from './prepareRun';
export type { PullSummary } from './pullDelta';
export type { RunSummary, StreamSummary } from './store/runSummary';
