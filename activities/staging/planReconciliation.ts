import type { ActivityDeps } from '../deps';
import { tenantBudgetPer10s } from '../graph/pacer';
import { DEFAULT_RECONCILE_FULL_EVERY_MS, planTargets, type ReconcileWave } from './planTargets';
import { owningRun } from '../owningRun';
import { killPoint } from '../killPoint';
import { heartbeatWhile } from '../heartbeatWhile';
import { claimRun } from '../store/runs';

/** Of the tenant's budget, the share reconciliation may use; the rest stays for anything else. */
const BUDGET_SHARE = 0.7;

/** Shards firstShard .. firstShard + shards - 1 (firstShard is absent from plans made before the waves: 0). */
export type ReconciliationPlan = { shards: number; requestsPerSecondPerShard: number; firstShard?: number };

/** Chooses the apps and service principals to reconcile this run in one plan: runs started before 1.3.0 (their histories name this activity). */
export function planReconciliationActivity(deps: ActivityDeps) {
  return async function planReconciliation(input: { syncRunId: number; connectorId: string }): Promise<ReconciliationPlan> {
    return plan(deps, input);
  };
}

/**
 * One wave of the plan (1.3.0). An activity type of its own: a worker of an earlier release, which
 * would ignore the wave and plan the whole run from the audit events staged so far, cannot take it.
 */
export function planReconciliationWaveActivity(deps: ActivityDeps) {
  return async function planReconciliationWave(input: { syncRunId: number; connectorId: string; wave: ReconcileWave }): Promise<ReconciliationPlan> {
    return plan(deps, input, input.wave);
  };
}

/** Chooses the targets (of the wave), in shards, and paces each shard's share. */
async function plan({ db, reconcileFullEveryMs }: ActivityDeps, input: { syncRunId: number; connectorId: string }, wave?: ReconcileWave): Promise<ReconciliationPlan> {
  await claimRun(db, input.syncRunId, owningRun());
  const fullEveryMs = reconcileFullEveryMs ?? DEFAULT_RECONCILE_FULL_EVERY_MS;
  const { firstShard, shards, users } = await heartbeatWhile(() => planTargets(db, input.syncRunId, input.connectorId, fullEveryMs, wave));
  killPoint('planReconciliation:afterCommit');
  // Owners and appRoleAssignedTo cost 1 resource unit each (docs/graph-behaviour.md).
  const perSecond = (tenantBudgetPer10s(users) * BUDGET_SHARE) / 10;
  return { shards, firstShard, requestsPerSecondPerShard: Math.max(1, Math.floor(perSecond / Math.max(1, shards))) };
}
