import type { Queryable } from '../store/database';

const JOIN_AND_SCAN_METHODS = ['enable_hashjoin', 'enable_mergejoin', 'enable_seqscan', 'enable_material'] as const;

/**
 * Runs `work` (statements of an incremental run's touched scope) with the planner held to index
 * lookups: no hash or merge joins, no sequential scan where an index serves, no materialised
 * inner side. A touched scope names its objects in arrays of a few hundred to a few thousand ids;
 * the planner estimates such an `= any($2)` at thousands of rows and then hash-joins against whole live tables (every user,
 * every history row: 0.1 to 0.5 s a statement at 100,000 users, ten times that at 1,000,000).
 * Index lookups make the cost follow the rows in scope, whatever the tenant's size. Nor does it
 * materialise an inner side to filter it per outer row: statistics taken before this run's
 * removals say the connector has no tombstones, and the anti-join that keeps them out then
 * compared each of 23,669 memberships with all 1,997 new tombstones (4.6 s of a 1,000,000-user
 * incremental) instead of probing the tombstone index once per membership.
 * Transaction-local, restored after `work`.
 */
export function withIndexPlans<T>(tx: Queryable, work: () => Promise<T>): Promise<T> {
  return withMethodsOff(tx, JOIN_AND_SCAN_METHODS, work);
}

/**
 * Runs `work` (statements over whole live tables that this transaction may just have written)
 * without nested loops: with no statistics yet, the planner takes `connector_id = $1` to keep a
 * sliver of the rows and picks nested loops that are quadratic in the tenant (minutes at 200,000
 * users, hours at 1,000,000); hash joins are linear whatever the estimates. ANALYZE is no way out:
 * held until commit, its lock would serialise every connector's finalize. Transaction-local,
 * restored after `work`.
 */
export function withHashJoins<T>(tx: Queryable, work: () => Promise<T>): Promise<T> {
  return withMethodsOff(tx, ['enable_nestloop'], work);
}

async function withMethodsOff<T>(tx: Queryable, methods: readonly string[], work: () => Promise<T>): Promise<T> {
  const { rows } = await tx.query<Record<string, string>>(`select ${methods.map((m) => `current_setting('${m}') as ${m}`).join(', ')}`);
  const set = (values: string[]) => tx.query(`select ${methods.map((m, i) => `set_config('${m}', $${i + 1}, true)`).join(', ')}`, values);
  await set(methods.map(() => 'off'));
  const result = await work();
  await set(methods.map((m) => rows[0]![m]!));
  return result;
}
