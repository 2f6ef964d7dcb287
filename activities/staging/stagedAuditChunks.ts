import type { Queryable } from '../store/database';

const EVENTS_PER_CHUNK = 1_000;

/**
 * A run's staged audit events in id order, a chunk at a time, so a reader holds one chunk however
 * many events the run read (a large tenant's first month is tens of thousands). `columns` is the
 * select list over `staged_audit_events` and must include `id`.
 */
export async function* stagedAuditChunks<T extends { id: string }>(tx: Queryable, syncRunId: number, columns: string): AsyncGenerator<T[]> {
  for (let after = ''; ; ) {
    const { rows } = await tx.query<T>(`select ${columns} from staged_audit_events where run_id = $1 and id > $2 order by id limit $3`, [
      syncRunId,
      after,
      EVENTS_PER_CHUNK,
    ]);
    if (rows.length > 0) yield rows;
    // A short chunk is the last: no query to find the end (every run's finalize and plan read here).
    if (rows.length < EVENTS_PER_CHUNK) return;
    after = rows[rows.length - 1]!.id;
  }
}
