import { deleteStaging } from '../staging/stagedObjects';
import { inTransaction, type Database, type Queryable } from './database';

export async function runStatus(db: Queryable, runId: number): Promise<string | undefined> {
  const { rows } = await db.query<{ status: string }>('select status from sync_runs where id = $1', [runId]);
  return rows[0]?.status;
}

/** Marks a run failed and drops its staging. A run that already committed stays succeeded. */
export async function failRun(db: Database, runId: number, kind: string, message: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.query(
      `update sync_runs set status = 'failed', finished_at = now(), error_kind = $2, error_message = $3
        where id = $1 and status = 'running'`,
      [runId, kind, message],
    );
    await deleteStaging(tx, runId);
  });
}
