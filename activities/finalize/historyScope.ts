import { DELTA_STREAMS } from '../../shared/streams';
import type { Queryable } from '../store/database';

/**
 * Which keys relationship history diffs in a run (docs/history.md, "Whole or touched"):
 * - `whole`: every key of every kind, when the live tables may have changed anywhere (a stream
 *   bootstrapped or re-bootstrapped, a data reset, a run that read no delta stream);
 * - `touched`: only keys with an end among `objectIds`, the objects this run's appliers could
 *   have changed a relationship of, when every delta stream read incrementally.
 */
export type HistoryScope = { diff: 'whole'; reason: string } | { diff: 'touched'; objectIds: string[] };

/**
 * Decides the run's scope from its stream rows. An incremental round changes the live tables only
 * through what it staged, so the touched objects are:
 * - every object the deltas staged (changed, removed or restored: its tombstone, its credentials,
 *   whether it may hold or be held);
 * - every group whose members or owners the groups delta listed (a link changes without its group);
 * - every app and service principal reconciliation re-read (owners, app role assignments).
 */
export async function historyScopeOf(tx: Queryable, runId: number): Promise<HistoryScope> {
  const { rows: streams } = await tx.query<{ stream: string; mode: string }>(
    'select stream, mode from sync_run_streams where run_id = $1 and stream = any($2)',
    [runId, DELTA_STREAMS],
  );
  const notIncremental = DELTA_STREAMS.filter((stream) => streams.find((s) => s.stream === stream)?.mode !== 'incremental');
  if (notIncremental.length > 0) {
    const bootstrapped = streams.filter((s) => s.mode !== 'incremental').map((s) => s.stream);
    return { diff: 'whole', reason: bootstrapped.length > 0 ? `bootstrap of ${bootstrapped.join(', ')}` : 'no incremental delta round' };
  }
  const { rows } = await tx.query<{ id: string }>(
    `select object_id as id from staged_objects where run_id = $1
     union select group_id from staged_memberships where run_id = $1
     union select group_id from staged_group_owners where run_id = $1
     union select object_id from reconcile_targets where run_id = $1`,
    [runId],
  );
  return { diff: 'touched', objectIds: rows.map((r) => r.id) };
}
