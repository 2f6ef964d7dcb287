import { ApplicationFailure } from '@temporalio/common';
import { inTransaction, type Database, type Queryable } from '../store/database';
import { ATTEMPT_SUPERSEDED, attemptToken, requireRunningOwner } from './stagingLease';

/**
 * The attempt of a reconcile shard that may store its targets' reads
 * (reconcile_shard_leases): the shard's counterpart of a pull's staging lease.
 */
export type ShardLease = { syncRunId: number; shard: number; owner: string; token: string };

/** Takes the shard for this attempt; every earlier attempt's stores are refused from now on. */
export async function claimShardLease(db: Queryable, syncRunId: number, shard: number, owner: string, token = attemptToken(owner)): Promise<ShardLease> {
  const lease = { syncRunId, shard, owner, token };
  const claimed = await db.query(
    `insert into reconcile_shard_leases (run_id, shard, attempt_lease)
     select r.id, $2, $3 from sync_runs r where r.id = $1 and r.status = 'running' and r.workflow_run_id = $4
     on conflict (run_id, shard) do update set attempt_lease = excluded.attempt_lease`,
    [syncRunId, shard, token, owner],
  );
  if (claimed.rowCount !== 1) await refusal(db, lease);
  return lease;
}

/**
 * Runs `work` (storing a batch's reads with their done flags) in one transaction that first
 * checks the lease under row locks: the run row shared, so a reset's take-over or the janitor
 * waits for it; the lease row for update. A superseded or taken-over attempt stores nothing.
 */
export async function underShardLease<T>(db: Database, lease: ShardLease, work: (tx: Queryable) => Promise<T>): Promise<T> {
  return inTransaction(db, async (tx) => {
    const run = await tx.query(`select 1 from sync_runs where id = $1 and status = 'running' and workflow_run_id = $2 for share`, [lease.syncRunId, lease.owner]);
    const held = run.rowCount
      ? await tx.query('select 1 from reconcile_shard_leases where run_id = $1 and shard = $2 and attempt_lease = $3 for update', [lease.syncRunId, lease.shard, lease.token])
      : undefined;
    if (!held?.rowCount) await refusal(tx, lease);
    return work(tx);
  });
}

/** Throws why the lease cannot be (or is no longer) held. */
async function refusal(db: Queryable, lease: ShardLease): Promise<never> {
  const { rows } = await db.query<{ status: string; owner: string; holder: string | null }>(
    `select r.status, r.workflow_run_id as owner, l.attempt_lease as holder
       from sync_runs r left join reconcile_shard_leases l on l.run_id = r.id and l.shard = $2 where r.id = $1`,
    [lease.syncRunId, lease.shard],
  );
  const row = rows[0];
  requireRunningOwner(lease, row);
  throw ApplicationFailure.create({
    type: ATTEMPT_SUPERSEDED,
    message: `attempt ${lease.token} of reconcile shard ${lease.shard} of sync run ${lease.syncRunId} was superseded by attempt ${row.holder ?? '(none)'}; its reads are not stored`,
  });
}
