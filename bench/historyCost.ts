import { performance } from 'node:perf_hooks';
import { recordHistory } from '../activities/finalize/recordHistory';
import type { Database } from '../activities/store/database';

export type HistoryFigures = { opened: number; closed: number; openIntervals: number; diff: string | null; touchedObjects: number | null; rediffMs: number };

/**
 * What relationship history cost a committed run: the intervals it opened and closed, which diff
 * the run took (whole, or the keys of the objects it touched), and the time of a whole diff on its
 * own, measured by diffing the same live tables again in a transaction that is rolled back
 * (nothing left to write, so it is the whole diff's price at this tenant size). A touched diff
 * cannot be re-measured after the commit: the run's staging, which names what it touched, is gone.
 */
export async function historyFigures(db: Database, connectorId: string, syncRunId: number): Promise<HistoryFigures> {
  const { rows } = await db.query<{ opened: number; closed: number; open: number }>(
    `select count(*) filter (where opened_run_id = $2)::int as opened, count(*) filter (where closed_run_id = $2)::int as closed,
            count(*) filter (where closed_run_id is null)::int as open
       from relationship_history where connector_id = $1`,
    [connectorId, syncRunId],
  );
  const { rows: scope } = await db.query<{ diff: string | null; touched: number | null }>(
    'select history_diff as diff, history_touched_objects as touched from sync_runs where id = $1',
    [syncRunId],
  );
  const client = await db.connect();
  try {
    await client.query('begin');
    const started = performance.now();
    await recordHistory(client, connectorId, syncRunId, { diff: 'whole', reason: 'measured' });
    const rediffMs = Math.round(performance.now() - started);
    await client.query('rollback');
    return { opened: rows[0]!.opened, closed: rows[0]!.closed, openIntervals: rows[0]!.open, diff: scope[0]?.diff ?? null, touchedObjects: scope[0]?.touched ?? null, rediffMs };
  } finally {
    client.release();
  }
}
