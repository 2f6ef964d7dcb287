import type { ActivityDeps } from './deps';
import { failRunActivity, finalizeRunActivity } from './finalize/finalizeRun';
import { planReconciliationActivity, planReconciliationWaveActivity } from './staging/planReconciliation';
import { prepareRunActivity } from './prepareRun';
import { pullAuditEventsActivity } from './staging/pullAuditEvents';
import { pullDeltaActivity } from './staging/pullDelta';
import { pullFullStreamActivity } from './staging/pullFullStream';
import { reconcileShardActivity } from './staging/reconcileShard';
import { buildEntitlementsActivity } from './staging/buildEntitlements';
import { checkTailActivity, requestFullRunActivity } from './tail/tailActivities';
import { manageSubscriptionsActivity } from './notifications/manageSubscriptions';

export function createSyncActivities(deps: ActivityDeps) {
  return {
    prepareRun: prepareRunActivity(deps),
    pullDelta: pullDeltaActivity(deps),
    pullFullStream: pullFullStreamActivity(deps),
    pullAuditEvents: pullAuditEventsActivity(deps),
    planReconciliation: planReconciliationActivity(deps),
    planReconciliationWave: planReconciliationWaveActivity(deps),
    reconcileShard: reconcileShardActivity(deps),
    buildEntitlements: buildEntitlementsActivity(deps),
    finalizeRun: finalizeRunActivity(deps),
    failRun: failRunActivity(deps),
    checkTail: checkTailActivity(deps),
    requestFullRun: requestFullRunActivity(deps),
    manageSubscriptions: manageSubscriptionsActivity(deps),
  };
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
export type { PreparedRun } from './prepareRun';
export type { PullSummary } from './staging/pullDelta';
export type { RunSummary, StreamSummary } from './finalize/runSummary';
export type { TailCheck } from './tail/tailState';
export type { ManageSubscriptionsInput, ManageSubscriptionsResult } from './notifications/manageSubscriptions';
