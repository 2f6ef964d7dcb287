import { TAIL_STREAMS } from '../../shared/runKinds';
import type { Queryable } from '../store/database';

/** What the tail asks of its connector before each pass (workflows/entraTail.ts). */
export type TailCheck = {
  /** false: the connector was removed. */
  exists: boolean;
  enabled: boolean;
  tailEnabled: boolean;
  /** The connector's own backstop interval, else ENTRA_TAIL_INTERVAL. */
  intervalSeconds: number;
  /** A full run of the connector is running: the tail pauses (docs/run-lifecycle.md). */
  fullRunRunning: boolean;
  /** When a full run of the connector last committed (ISO): a tail waiting for one sees it came. */
  lastFullCommitAt: string | null;
  /** Per stream a pass reads: when a committed run last read it (ISO), among the connector's last commits. */
  streamsReadAt: Record<string, string>;
};

/** How many of the newest commits the per-stream read times are taken from (bounds the query). */
const RECENT_COMMITS = 50;

export async function readTailCheck(db: Queryable, connectorId: string, defaultIntervalSeconds: number): Promise<TailCheck> {
  const { rows } = await db.query<{ enabled: boolean; tailEnabled: boolean; intervalSeconds: number; fullRunRunning: boolean; lastFullCommit: Date | null }>(
    `select enabled, tail_enabled as "tailEnabled", coalesce(tail_interval_seconds, $2)::int as "intervalSeconds",
            exists (select 1 from sync_runs r where r.connector_id = c.id and r.kind = 'full' and r.status = 'running') as "fullRunRunning",
            (select max(r.finished_at) from sync_runs r where r.connector_id = c.id and r.kind = 'full' and r.status = 'succeeded') as "lastFullCommit"
       from connectors c where id = $1`,
    [connectorId, defaultIntervalSeconds],
  );
  const c = rows[0];
  if (!c) return { exists: false, enabled: false, tailEnabled: false, intervalSeconds: defaultIntervalSeconds, fullRunRunning: false, lastFullCommitAt: null, streamsReadAt: {} };
  const { lastFullCommit, ...connector } = c;
  return { exists: true, ...connector, lastFullCommitAt: lastFullCommit ? new Date(lastFullCommit).toISOString() : null, streamsReadAt: await streamsReadAt(db, connectorId) };
}

/** When the newest commit that read each stream a pass reads committed. */
export async function streamsReadAt(db: Queryable, connectorId: string): Promise<Record<string, string>> {
  const { rows } = await db.query<{ stream: string; at: Date }>(
    `select s.stream, max(r.finished_at) as at
       from (select id, finished_at from sync_runs where connector_id = $1 and status = 'succeeded' order by id desc limit $3) r
       join sync_run_streams s on s.run_id = r.id and s.stream = any($2) and s.pulled_at is not null
      group by s.stream`,
    [connectorId, TAIL_STREAMS, RECENT_COMMITS],
  );
  return Object.fromEntries(rows.map((r) => [r.stream, new Date(r.at).toISOString()]));
}
