import type { Queryable } from '../store/database';
import { HISTORY_SOURCES, type HistorySource } from './historySources';

export type HistoryCounts = Record<string, { opened: number; closed: number }>;

/**
 * Brings relationship history in line with the live tables as this run leaves them: closes the
 * open intervals of what is no longer held, opens one for what is held without one. It diffs the
 * whole live table, not the rows the run touched, so a bootstrap that rewrote a table (an expired
 * cursor, a data reset) records only what truly changed, and it holds whether a table was
 * replaced wholesale or in part. Runs inside finalize's transaction, after every applier.
 */
export async function recordHistory(tx: Queryable, connectorId: string, runId: number): Promise<HistoryCounts> {
  const { rows } = await tx.query<{ tenantId: string; previousRunId: string | null }>(
    `select c.tenant_id as "tenantId",
            (select r.id from sync_runs r where r.connector_id = c.id and r.status = 'succeeded' and r.id <> $2
              order by r.finished_at desc limit 1) as "previousRunId"
       from connectors c where c.id = $1`,
    [connectorId, runId],
  );
  const { tenantId, previousRunId } = rows[0]!;
  // The live tables and history were just rewritten in this transaction (a bootstrap writes
  // whole tables), so their statistics may say "empty": a nested-loop anti-join planned on that
  // is quadratic (minutes at 10,000 users). Hash joins are linear whatever the estimates.
  // ANALYZE is no way out: held until commit, its lock would serialise every connector's finalize.
  const { rows: setting } = await tx.query<{ nestloop: string }>(`select current_setting('enable_nestloop') as nestloop`);
  await tx.query(`select set_config('enable_nestloop', 'off', true)`);
  const counts: HistoryCounts = {};
  for (const source of HISTORY_SOURCES) {
    counts[source.kind] = await recordKind(tx, source, { connectorId, runId, tenantId, previousRunId });
  }
  await tx.query(`select set_config('enable_nestloop', $1, true)`, [setting[0]!.nestloop]);
  return counts;
}

type RunContext = { connectorId: string; runId: number; tenantId: string; previousRunId: string | null };

async function recordKind(tx: Queryable, source: HistorySource, run: RunContext): Promise<{ opened: number; closed: number }> {
  const { connectorId, runId, tenantId, previousRunId } = run;
  // The first run to record a kind found what it opens already held: when it began is unknown.
  const baseline = await tx.query(
    `insert into history_baselines (connector_id, kind, tenant_id, run_id) values ($1, $2, $3, $4)
     on conflict (connector_id, kind) do nothing`,
    [connectorId, source.kind, tenantId, runId],
  );
  const openedAfter = baseline.rowCount ? null : previousRunId;
  // Closed first, so a changed detail closes the old version before the new one opens.
  const closed = await tx.query(
    `update relationship_history h set closed_run_id = $3, closed_after_run_id = $4
      where h.connector_id = $1 and h.kind = $2 and h.closed_run_id is null
        and not exists (select 1 from (${source.held}) held where held.key = h.key and held.detail = h.detail)`,
    [connectorId, source.kind, runId, previousRunId],
  );
  // "on conflict do nothing": a finalize racing this one waits here, then loses on the commit generation.
  const opened = await tx.query(
    `insert into relationship_history (connector_id, tenant_id, kind, key, holder_id, holder_type, target_id, target_type, detail,
                                       opened_run_id, opened_after_run_id)
     select $1, $5, $2, held.key, held.holder_id, held.holder_type, held.target_id, held.target_type, held.detail, $3, $4
       from (${source.held}) held
      where not exists (select 1 from relationship_history h
                         where h.connector_id = $1 and h.kind = $2 and h.closed_run_id is null and h.key = held.key)
     on conflict (connector_id, kind, key) where closed_run_id is null do nothing`,
    [connectorId, source.kind, runId, openedAfter, tenantId],
  );
  return { opened: opened.rowCount ?? 0, closed: closed.rowCount ?? 0 };
}
