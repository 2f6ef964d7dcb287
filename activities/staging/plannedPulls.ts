import type { RunKind } from '../../shared/runKinds';
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
  /** The run's kind: a tail pass never re-reads a whole stream. */
  runKind: RunKind;
};

export async function loadPlannedPull(db: Queryable, syncRunId: number, stream: DeltaStream): Promise<PlannedPull> {
  const { rows } = await db.query<PlannedPull>(
    `select s.mode, s.start_link as "startLink", s.resync_reason as "resyncReason", s.delta_link as "deltaLink",
            s.pages, s.requests, s.throttled, s.staged, s.pulled_at as "pulledAt", r.kind as "runKind"
       from sync_run_streams s join sync_runs r on r.id = s.run_id where s.run_id = $1 and s.stream = $2`,
    [syncRunId, stream],
  );
  if (!rows[0]) throw new Error(`sync run ${syncRunId} has no ${stream} stream: prepareRun did not plan it`);
  return rows[0];
}
