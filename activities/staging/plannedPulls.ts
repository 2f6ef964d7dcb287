import type { DeltaStream, StreamMode } from '../../shared/streams';
import type { Queryable } from '../store/database';

/** A delta stream's row of the run: how prepareRun planned it and, once pulled, what the pull found. */
export type PlannedPull = {
  mode: StreamMode;
  startLink: string | null;
  resyncReason: string | null;
  deltaLink: string | null;
  pages: number;
  requests: number;
  throttled: number;
  staged: number;
  pulledAt: Date | null;
};

export async function loadPlannedPull(db: Queryable, syncRunId: number, stream: DeltaStream): Promise<PlannedPull> {
  const { rows } = await db.query<PlannedPull>(
    `select mode, start_link as "startLink", resync_reason as "resyncReason", delta_link as "deltaLink",
            pages, requests, throttled, staged, pulled_at as "pulledAt"
       from sync_run_streams where run_id = $1 and stream = $2`,
    [syncRunId, stream],
  );
  if (!rows[0]) throw new Error(`sync run ${syncRunId} has no ${stream} stream: prepareRun did not plan it`);
  return rows[0];
}
