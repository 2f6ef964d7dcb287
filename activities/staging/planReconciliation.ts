import type { ActivityDeps } from '../deps';
import { tenantBudgetPer10s } from '../graph/pacer';
import { DEFAULT_RECONCILE_FULL_EVERY_MS, planTargets } from './planTargets';
import { owningRun } from '../owningRun';
import { killPoint } from '../killPoint';
import { heartbeatWhile } from '../heartbeatWhile';
import { claimRun } from '../store/runs';

/** Of the tenant's budget, the share reconciliation may use; the rest stays for anything else. */
const BUDGET_SHARE = 0.7;

export type ReconciliationPlan = { shards: number; requestsPerSecondPerShard: number };

/** Chooses the apps and service principals to reconcile this run, in shards, and paces each shard's share. */
export function planReconciliationActivity({ db, reconcileFullEveryMs }: ActivityDeps) {
  return async function planReconciliation(input: { syncRunId: number; connectorId: string }): Promise<ReconciliationPlan> {
    await claimRun(db, input.syncRunId, owningRun());
    const { shards, users } = await heartbeatWhile(() => planTargets(db, input.syncRunId, input.connectorId, reconcileFullEveryMs ?? DEFAULT_RECONCILE_FULL_EVERY_MS));
    killPoint('planReconciliation:afterCommit');
    // Owners and appRoleAssignedTo cost 1 resource unit each (docs/graph-behaviour.md).
    const perSecond = (tenantBudgetPer10s(users) * BUDGET_SHARE) / 10;
    return { shards, requestsPerSecondPerShard: Math.max(1, Math.floor(perSecond / Math.max(1, shards))) };
  };
}
