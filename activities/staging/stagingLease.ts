import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { inTransaction, type Database, type Queryable } from '../store/database';
import { notResumable } from '../store/runs';

/**
 * The attempt of a pull that may write a stream's staging (sync_run_streams.attempt_lease). Two
 * attempts of one activity share the Temporal run id, so the run row's owner cannot tell them
 * apart: the lease names the attempt.
 */
export type StagingLease = { syncRunId: number; stream: string; owner: string; token: string };

/**
 * Failure of an attempt whose lease a later attempt took: Temporal already gave up on it, so its
 * result is never used. Retryable, in case it ever reached a live attempt: its retry claims anew.
 */
export const ATTEMPT_SUPERSEDED = 'AttemptSuperseded';

/** This activity attempt's identity: its Temporal run, activity id and attempt number. */
export function attemptToken(owner: string): string {
  const { activityId, attempt } = Context.current().info;
  return `${owner}/${activityId}#${attempt}`;
}

/**
 * Takes the stream's staging for this attempt; every earlier attempt's writes are refused from
 * now on. Undefined when the pull was already recorded (a finished pull takes no more writes).
 */
export async function claimStagingLease(db: Queryable, syncRunId: number, stream: string, owner: string, token = attemptToken(owner)): Promise<StagingLease | undefined> {
  const claimed = await db.query(
    `update sync_run_streams s set attempt_lease = $3
       from sync_runs r
      where s.run_id = $1 and s.stream = $2 and s.pulled_at is null
        and r.id = s.run_id and r.status = 'running' and r.workflow_run_id = $4`,
    [syncRunId, stream, token, owner],
  );
  const lease = { syncRunId, stream, owner, token };
  if (claimed.rowCount === 1) return lease;
  await refusal(db, lease);
  return undefined; // recorded: nothing left to stage
}

/**
 * Runs `work` (staging writes and deletes of the stream, the record of the pull) in one
 * transaction that first checks the lease under row locks: the run row shared (so a reset's
 * take-over or the janitor waits, and waits for us), the stream row for update. An attempt that
 * lost the lease, or whose run was taken over, closed or already recorded the pull, writes nothing.
 */
export async function underLease<T>(db: Database, lease: StagingLease, work: (tx: Queryable) => Promise<T>): Promise<T> {
  return inTransaction(db, async (tx) => {
    const run = await tx.query('select 1 from sync_runs where id = $1 and status = $2 and workflow_run_id = $3 for share', [lease.syncRunId, 'running', lease.owner]);
    const held = run.rowCount
      ? await tx.query('select 1 from sync_run_streams where run_id = $1 and stream = $2 and attempt_lease = $3 and pulled_at is null for update', [
          lease.syncRunId,
          lease.stream,
          lease.token,
        ])
      : undefined;
    if (!held?.rowCount) {
      await refusal(tx, lease);
      throw superseded(lease, 'found the pull already recorded');
    }
    return work(tx);
  });
}

/** Throws why the lease cannot be (or is no longer) held; returns when only the pull's record stands in the way. */
async function refusal(db: Queryable, lease: StagingLease): Promise<void> {
  const { rows } = await db.query<{ status: string; owner: string; pulled: boolean; holder: string | null }>(
    `select r.status, r.workflow_run_id as owner, s.pulled_at is not null as pulled, s.attempt_lease as holder
       from sync_runs r left join sync_run_streams s on s.run_id = r.id and s.stream = $2 where r.id = $1`,
    [lease.syncRunId, lease.stream],
  );
  const row = rows[0];
  requireRunningOwner(lease, row);
  if (row.pulled) return;
  if (row.holder !== lease.token) throw superseded(lease, `was superseded by attempt ${row.holder ?? '(none)'}`);
}

/** Throws RunNotResumable unless the run row exists, is running, and the lease's Temporal run owns it. */
export function requireRunningOwner<R extends { status: string; owner: string }>(lease: { syncRunId: number; owner: string }, row: R | undefined): asserts row is R {
  if (!row) throw notResumable(lease.syncRunId, 'does not exist');
  if (row.owner !== lease.owner) throw notResumable(lease.syncRunId, 'was taken over by a reset of its workflow');
  if (row.status !== 'running') throw notResumable(lease.syncRunId, `is ${row.status}`);
}

function superseded(lease: StagingLease, why: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ATTEMPT_SUPERSEDED,
    message: `attempt ${lease.token} of the ${lease.stream} pull of sync run ${lease.syncRunId} ${why}; its staging writes are refused`,
  });
}
