import { ApplicationFailure } from '@temporalio/common';
import { FailureKind } from '../../shared/failureKinds';
import { deleteStaging } from '../staging/stagedObjects';
import { inTransaction, type Database, type Queryable } from './database';
import { lockConnector } from './planRun';
import type { RunKind } from '../../shared/runKinds';

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'abandoned'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

type RunRow = { status: RunStatus; owner: string; connectorId: string; discarded: boolean; kind: RunKind };

async function lockRun(tx: Queryable, syncRunId: number): Promise<RunRow | undefined> {
  const { rows } = await tx.query<RunRow>(
    `select status, workflow_run_id as owner, connector_id as "connectorId", staging_discarded_at is not null as discarded, kind
       from sync_runs where id = $1 for update`,
    [syncRunId],
  );
  return rows[0];
}

/**
 * Makes sure the Temporal run `owner` may work on sync run `syncRunId`, and says whether the run
 * already committed. A reset execution replays the sync run id its original execution opened:
 * its first activity takes the row over (reopening it when it failed or was cancelled) as long
 * as the staging is still there; otherwise nothing of the old run can be resumed and the
 * workflow starts over (docs/run-lifecycle.md).
 */
export async function claimRun(db: Database, syncRunId: number, owner: string): Promise<'running' | 'committed'> {
  // Already ours: nothing to take over, so no lock. Every activity of a run claims it first, and
  // with a row lock each waited for the others' claims and page transactions (which hold the row
  // shared). Whatever may happen to the row afterwards, every staging write and the commit check
  // its owner again under the row lock (stagingLease.ts, finalize.ts), as they do after a locked claim.
  const { rows: seen } = await db.query<{ owner: string; status: RunStatus }>('select workflow_run_id as owner, status from sync_runs where id = $1', [syncRunId]);
  if (seen[0]?.owner === owner && seen[0].status === 'running') return 'running';
  if (seen[0]?.owner === owner && seen[0].status === 'succeeded') return 'committed';
  return inTransaction(db, async (tx) => {
    // Reopening a failed run makes a full run `running` again: like opening one, it takes the
    // connector lock first, so it waits for a tail pass's commit in flight (which discards the
    // failed run's staging: the reset then starts over) and a later pass sees it running.
    const before = await tx.query<{ owner: string; status: RunStatus; connectorId: string }>(
      'select workflow_run_id as owner, status, connector_id as "connectorId" from sync_runs where id = $1',
      [syncRunId],
    );
    const seen = before.rows[0];
    if (seen && seen.owner !== owner && (seen.status === 'failed' || seen.status === 'cancelled')) await lockConnector(tx, seen.connectorId);
    const run = await lockRun(tx, syncRunId);
    if (!run) throw notResumable(syncRunId, 'does not exist');
    if (run.owner === owner) {
      if (run.status === 'running') return 'running';
      if (run.status === 'succeeded') return 'committed';
      throw notResumable(syncRunId, `is ${run.status}`);
    }
    if (run.status === 'succeeded') throw notResumable(syncRunId, 'already committed');
    if (run.status === 'abandoned' || run.discarded) throw notResumable(syncRunId, `is ${run.status} and its staged data was discarded`);
    await tx.query(
      `update sync_runs set status = 'running', workflow_run_id = $2, finished_at = null, error_kind = null, error_message = null,
              reopened = reopened + 1, claimed_at = now()
        where id = $1`,
      [syncRunId, owner],
    );
    return 'running';
  });
}

export function notResumable(syncRunId: number, why: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureKind.RunNotResumable,
    nonRetryable: true,
    message:
      `sync run ${syncRunId} ${why}, so this workflow execution cannot continue it ` +
      '(it was reset to a point after prepareRun); the workflow starts over as a fresh sync',
  });
}

/**
 * Records how run `syncRunId` ended when it did not commit, unless another Temporal run owns it;
 * returns the owner. A failed or cancelled run keeps its staging while it could still commit, so
 * a reset can resume it; only the connector's newest such run does, to bound the disk it holds.
 */
export async function failRun(db: Database, syncRunId: number, owner: string, kind: string, message: string): Promise<{ failedBy: string }> {
  return inTransaction(db, async (tx) => {
    const run = await lockRun(tx, syncRunId);
    if (!run || run.owner !== owner) return { failedBy: run?.owner ?? owner };
    if (run.status === 'running') {
      await tx.query(
        `update sync_runs set status = $2, finished_at = now(), error_kind = $3, error_message = $4 where id = $1`,
        [syncRunId, kind === FailureKind.Cancelled ? 'cancelled' : 'failed', kind, message],
      );
      // A failed tail pass is never resumed (the next pass reads from the committed cursors), and
      // it leaves a failed full run's staging for a reset.
      if (run.kind === 'tail' || !(await couldStillCommit(tx, syncRunId))) await discardStaging(tx, syncRunId);
      if (run.kind === 'full') await discardOtherStaging(tx, run.connectorId, syncRunId);
    }
    return { failedBy: owner };
  });
}

/** Whether nothing committed for the connector since the run opened. */
async function couldStillCommit(tx: Queryable, syncRunId: number): Promise<boolean> {
  const { rows } = await tx.query<{ current: boolean }>(
    `select r.base_generation is not distinct from c.commit_generation as current
       from sync_runs r join connectors c on c.id = r.connector_id where r.id = $1`,
    [syncRunId],
  );
  return rows[0]?.current ?? false;
}

/**
 * Deletes a run's staging and reconcile progress for good: the run can no longer commit. Never
 * while the run is running: the row lock orders this after a reset's take-over.
 */
export async function discardStaging(tx: Queryable, syncRunId: number): Promise<void> {
  const marked = await tx.query(
    `update sync_runs set staging_discarded_at = coalesce(staging_discarded_at, now()) where id = $1 and status <> 'running'`,
    [syncRunId],
  );
  if (marked.rowCount === 1) await deleteStaging(tx, syncRunId);
}

/** Discards the staging of the connector's runs that ended without committing, except `keep`. */
export async function discardOtherStaging(tx: Queryable, connectorId: string, keep: number): Promise<number[]> {
  const { rows } = await tx.query<{ id: string }>(
    `select id from sync_runs
      where connector_id = $1 and id <> $2 and status in ('failed', 'cancelled', 'abandoned') and staging_discarded_at is null`,
    [connectorId, keep],
  );
  for (const { id } of rows) await discardStaging(tx, Number(id));
  return rows.map((r) => Number(r.id));
}
