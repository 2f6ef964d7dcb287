import type { Queryable } from '../store/database';
import { liveTarget } from './liveTarget';

/** The first retry of a target whose read failed; each further failure doubles it, up to RETRY_MAX_MS. */
export const RETRY_FIRST_MS = 15 * 60_000;
export const RETRY_MAX_MS = 24 * 60 * 60_000;

/**
 * A target whose read failed this run (reconcile_targets.failure) is not recorded as read: its
 * consecutive failures grow and its next read waits 15 minutes, doubling each time, at most a day
 * (docs/inventory.md). A target read (or found deleted) this run, or no longer live, is cleared.
 * Then every target still unread for a failure is recorded with the run, for its summary and
 * `runs show`. In the finalize transaction: a run that does not commit changes nothing.
 */
export async function recordReadFailures(tx: Queryable, connectorId: string, syncRunId: number): Promise<void> {
  await tx.query(
    `delete from reconcile_failures f using reconcile_targets t
      where f.connector_id = $1 and t.run_id = $2 and t.object_type = f.object_type and t.object_id = f.object_id and t.failure is null`,
    [connectorId, syncRunId],
  );
  await tx.query(`delete from reconcile_failures f where f.connector_id = $1 and not ${liveTarget('f.object_type', 'f.object_id')}`, [connectorId]);
  await tx.query(
    `insert into reconcile_failures as f (connector_id, object_type, object_id, kind, message, failures, first_failed_at, last_failed_at, retry_at, run_id)
     select $1, t.object_type, t.object_id, t.failure, coalesce(t.failure_message, t.failure), 1, now(), now(), now() + $3::float8 * interval '1 millisecond', $2
       from reconcile_targets t where t.run_id = $2 and t.failure is not null
     on conflict (connector_id, object_type, object_id) do update
       set kind = excluded.kind, message = excluded.message, failures = f.failures + 1, last_failed_at = now(), run_id = excluded.run_id,
           retry_at = now() + least($3::float8 * power(2, f.failures), $4::float8) * interval '1 millisecond'`,
    [connectorId, syncRunId, RETRY_FIRST_MS, RETRY_MAX_MS],
  );
  await tx.query(
    `insert into sync_run_reconcile_failures (run_id, object_type, object_id, kind, message, failures, attempted, retry_at)
     select $2, f.object_type, f.object_id, f.kind, f.message, f.failures, f.run_id = $2, f.retry_at
       from reconcile_failures f where f.connector_id = $1
     on conflict do nothing`,
    [connectorId, syncRunId],
  );
}
