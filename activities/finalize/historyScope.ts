import { DELTA_STREAMS } from '../../shared/streams';
import type { Queryable } from '../store/database';

/**
 * Which keys relationship history diffs in a run (docs/history.md, "Whole or touched"):
 * - `whole`: every key of every kind, when the live tables may have changed anywhere (a stream
 *   bootstrapped or re-bootstrapped, a data reset, a run that read no delta stream);
 * - `touched`: only the keys this run's appliers could have changed, when every delta stream read
 *   incrementally: those with an end among `objectIds`; for a group's links (members, owners),
 *   those whose member or owner is among `objectIds`, whose group is among `removedIds` (a deleted
 *   group ends them all), or that the groups delta listed as a pair (recordHistory.ts).
 */
export type HistoryScope = { diff: 'whole'; reason: string } | { diff: 'touched'; objectIds: string[]; removedIds: string[] };

/**
 * Decides the run's scope from its stream rows. An incremental round changes the live tables only
 * through what it staged, so the touched objects are:
 * - every object the deltas staged (changed, removed or restored: its tombstone, its credentials,
 *   whether it may hold or be held);
 * - every group whose members or owners the groups delta listed (a link changes without its group);
 * - every app and service principal reconciliation re-read (owners, app role assignments).
 */
export async function historyScopeOf(tx: Queryable, syncRunId: number): Promise<HistoryScope> {
  const { rows: streams } = await tx.query<{ stream: string; mode: string }>(
    'select stream, mode from sync_run_streams where run_id = $1 and stream = any($2)',
    [syncRunId, DELTA_STREAMS],
  );
  const notIncremental = DELTA_STREAMS.filter((stream) => streams.find((s) => s.stream === stream)?.mode !== 'incremental');
  if (notIncremental.length > 0) {
    const bootstrapped = streams.filter((s) => s.mode !== 'incremental').map((s) => s.stream);
    return { diff: 'whole', reason: bootstrapped.length > 0 ? `bootstrap of ${bootstrapped.join(', ')}` : 'no incremental delta round' };
  }
  const { rows } = await tx.query<{ id: string; removed: boolean }>(
    `select object_id as id, bool_or(removed) as removed from (
       select object_id, data is null as removed from staged_objects where run_id = $1
       union all select group_id, false from staged_memberships where run_id = $1
       union all select group_id, false from staged_group_owners where run_id = $1
       union all select object_id, false from reconcile_targets where run_id = $1) touched
      group by object_id`,
    [syncRunId],
  );
  return { diff: 'touched', objectIds: rows.map((r) => r.id), removedIds: rows.filter((r) => r.removed).map((r) => r.id) };
}
