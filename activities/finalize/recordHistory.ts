import type { Queryable } from '../store/database';
import { HISTORY_SOURCES, type HistorySource } from './historySources';
import { historyScopeOf, type HistoryScope } from './historyScope';
import { withHashJoins, withIndexPlans } from './indexPlans';

export type HistoryCounts = Record<string, { opened: number; closed: number }>;

/**
 * Brings relationship history in line with the live tables as this run leaves them: closes the
 * open intervals of what is no longer held, opens one for what is held without one. After a
 * bootstrap (an expired cursor, a data reset) it diffs the whole live tables, so a rewrite records
 * only what truly changed; an incremental run diffs only the keys of the objects it touched
 * (historyScope.ts), which is every key it could have changed. Runs inside finalize's
 * transaction, after every applier; the scope it took is kept on the run row.
 */
export async function recordHistory(
  tx: Queryable,
  connectorId: string,
  syncRunId: number,
  scope?: HistoryScope,
  { membershipsBuilt = false }: { membershipsBuilt?: boolean } = {},
): Promise<HistoryCounts> {
  const taken = scope ?? (await historyScopeOf(tx, syncRunId));
  const { rows } = await tx.query<{ tenantId: string; previousRunId: string | null }>(
    `select c.tenant_id as "tenantId",
            (select r.id from sync_runs r where r.connector_id = c.id and r.status = 'succeeded' and r.id <> $2
              order by r.finished_at desc limit 1) as "previousRunId"
       from connectors c where c.id = $1`,
    [connectorId, syncRunId],
  );
  const { tenantId, previousRunId } = rows[0]!;
  const run = { connectorId, syncRunId, tenantId, previousRunId };
  await tx.query('update sync_runs set history_diff = $2, history_touched_objects = $3 where id = $1', [
    syncRunId,
    taken.diff,
    taken.diff === 'touched' ? taken.objectIds.length : null,
  ]);
  if (taken.diff === 'touched') return recordTouched(tx, run, taken);
  const counts: HistoryCounts = {};
  for (const source of HISTORY_SOURCES) {
    const { openedAfter } = await openedAfterOf(tx, source, run);
    counts[source.kind] =
      membershipsBuilt && source.kind === BUILT_KIND ? await keepBuiltMemberships(tx, run) : await recordKindWhole(tx, source, run, openedAfter);
  }
  return counts;
}

/** The kind a first bootstrap's groups pages write into the next history table (activities/staging/nextTables.ts). */
const BUILT_KIND = 'group_member';

/**
 * A first bootstrap's membership intervals, written page by page and swapped in: one open
 * interval per membership the round listed. What the whole diff would not open is taken out, by
 * index from the tombstones: memberships of a group the round removed, or of a removed member.
 */
async function keepBuiltMemberships(tx: Queryable, run: RunContext): Promise<{ opened: number; closed: number }> {
  const dead = `select id from users where connector_id = $1 and deleted_at is not null
                union select id from groups where connector_id = $1 and deleted_at is not null
                union select id from service_principals where connector_id = $1 and deleted_at is not null`;
  for (const end of ['holder_id', 'target_id']) {
    await tx.query(
      `delete from relationship_history h using (${dead}) d
        where h.connector_id = $1 and h.${end} = d.id and h.kind = $2 and h.opened_run_id = $3`,
      [run.connectorId, BUILT_KIND, run.syncRunId],
    );
  }
  const { rows } = await tx.query<{ n: number }>(
    'select count(*)::int as n from relationship_history where connector_id = $1 and kind = $2 and closed_run_id is null',
    [run.connectorId, BUILT_KIND],
  );
  return { opened: rows[0]!.n, closed: 0 };
}

type RunContext = { connectorId: string; syncRunId: number; tenantId: string; previousRunId: string | null };

/** Takes the baseline of a kind its first recorded run (the run before, otherwise): what it opens began after that. */
async function openedAfterOf(tx: Queryable, source: HistorySource, run: RunContext): Promise<{ first: boolean; openedAfter: string | null }> {
  // The first run to record a kind found what it opens already held: when it began is unknown.
  const baseline = await tx.query(
    `insert into history_baselines (connector_id, kind, tenant_id, run_id) values ($1, $2, $3, $4)
     on conflict (connector_id, kind) do nothing`,
    [run.connectorId, source.kind, run.tenantId, run.syncRunId],
  );
  return baseline.rowCount ? { first: true, openedAfter: null } : { first: false, openedAfter: run.previousRunId };
}

/** The whole diff of one kind: every key held now against every open interval. */
async function recordKindWhole(tx: Queryable, source: HistorySource, run: RunContext, openedAfter: string | null): Promise<{ opened: number; closed: number }> {
  const { connectorId, syncRunId, tenantId, previousRunId } = run;
  // The live tables and history may have been rewritten in this transaction (a bootstrap writes
  // whole tables), so their statistics may say "empty": a nested-loop anti-join planned on that
  // is quadratic (minutes at 10,000 users).
  return withHashJoins(tx, async () => {
    // Closed first, so a changed detail closes the old version before the new one opens.
    const closed = await tx.query(
      `update relationship_history h set closed_run_id = $3, closed_after_run_id = $4
        where h.connector_id = $1 and h.kind = $2 and h.closed_run_id is null
          and not exists (select 1 from (${source.held}) held where held.key = h.key and held.detail = h.detail)`,
      [connectorId, source.kind, syncRunId, previousRunId],
    );
    // "on conflict do nothing": a finalize racing this one waits here, then loses on the commit generation.
    // In the order of the open-interval index, each new entry lands beside the one before it rather
    // than on a random index page: half the insert time at 393,363 rows (docs/benchmarks-history.md, "Finalize in index order").
    const opened = await tx.query(
      `insert into relationship_history (connector_id, tenant_id, kind, key, holder_id, holder_type, target_id, target_type, detail,
                                         opened_run_id, opened_after_run_id)
       select $1, $5, $2, held.key, held.holder_id, held.holder_type, held.target_id, held.target_type, held.detail, $3, $4
         from (${source.held}) held
        where not exists (select 1 from relationship_history h
                           where h.connector_id = $1 and h.kind = $2 and h.closed_run_id is null and h.key = held.key)
        order by held.key
       on conflict (connector_id, kind, key) where closed_run_id is null do nothing`,
      [connectorId, source.kind, syncRunId, openedAfter, tenantId],
    );
    return { opened: opened.rowCount ?? 0, closed: closed.rowCount ?? 0 };
  });
}

/**
 * The diff of an incremental run: per kind, the keys held now that the run could have changed
 * (historyScope.ts) against the open intervals of the same keys. A key is its ends
 * (docs/history.md), so both sides select the same keys. Kinds re-read whole every run, and a
 * kind's first recorded run, are diffed whole. The held rows are materialised and analysed, so the
 * two anti-joins are planned on their true size rather than on the live tables' estimates.
 */
async function recordTouched(tx: Queryable, run: RunContext, scope: Extract<HistoryScope, { diff: 'touched' }>): Promise<HistoryCounts> {
  await tx.query(
    `create temp table if not exists history_held (key text[], holder_id text, holder_type text, target_id text, target_type text, detail jsonb)
     on commit drop`,
  );
  await tx.query('create temp table if not exists history_open (id bigint) on commit drop');
  const counts: HistoryCounts = {};
  for (const source of HISTORY_SOURCES) {
    const { first, openedAfter } = await openedAfterOf(tx, source, run);
    if (source.diffedWhole || first) {
      counts[source.kind] = await recordKindWhole(tx, source, run, openedAfter);
      continue;
    }
    counts[source.kind] = await recordKindTouched(tx, source, run, scope, openedAfter);
  }
  return counts;
}

/** The touched diff of one kind. */
async function recordKindTouched(
  tx: Queryable,
  source: HistorySource,
  run: RunContext,
  scope: Extract<HistoryScope, { diff: 'touched' }>,
  openedAfter: string | null,
): Promise<{ opened: number; closed: number }> {
  const { connectorId, syncRunId, tenantId, previousRunId } = run;
  const { held, open } = touchedKeys(source);
  // $1 connector, $2 touched objects, $3 removed objects, $4 run, $5 kind.
  const params = [connectorId, scope.objectIds, scope.removedIds, syncRunId, source.kind];
  await tx.query('truncate history_held, history_open');
  // Both sides of the diff by index lookups from the touched ids (indexPlans.ts), materialised and
  // analysed, so the anti-join between them is planned on their true sizes.
  await withIndexPlans(tx, async () => {
    await tx.query(`insert into history_held ${held}`, params.slice(0, source.links ? 4 : 2));
    // The run ($4) is named by a group's links only: typed here so every parameter has a type.
    await tx.query(`insert into history_open select o.id from (${open}) o where $4::bigint is not null`, params);
  });
  await tx.query('analyze history_held, history_open');
  const closed = await tx.query(
    // The connector too: the primary key is (connector_id, id) since history is partitioned by
    // connector (migration 0041), and naming it keeps the lookup in the connector's partition.
    `update relationship_history h set closed_run_id = $1, closed_after_run_id = $2
      where h.connector_id = $3 and h.id in (select o.id from history_open o)
        and not exists (select 1 from history_held held where held.key = h.key and held.detail = h.detail)`,
    [syncRunId, previousRunId, connectorId],
  );
  const opened = await tx.query(
    `insert into relationship_history (connector_id, tenant_id, kind, key, holder_id, holder_type, target_id, target_type, detail,
                                       opened_run_id, opened_after_run_id)
     select $1, $5, $2, held.key, held.holder_id, held.holder_type, held.target_id, held.target_type, held.detail, $3, $4
       from history_held held
      where not exists (select 1 from relationship_history h
                         where h.connector_id = $1 and h.kind = $2 and h.closed_run_id is null and h.key = held.key)
     on conflict (connector_id, kind, key) where closed_run_id is null do nothing`,
    [connectorId, source.kind, syncRunId, openedAfter, tenantId],
  );
  return { opened: opened.rowCount ?? 0, closed: closed.rowCount ?? 0 };
}

/**
 * The touched keys of a kind, as the held rows (a select) and the ids of their open intervals.
 * Each branch of a union is one index lookup on the live table or on history, so the cost follows
 * the change, not the tenant: ORing the branches instead would scan the whole table.
 */
function touchedKeys(source: HistorySource): { held: string; open: string } {
  const heldWhere = (where: string) => `select held.* from (${source.held}) held where ${where}`;
  const openWhere = (where: string) =>
    `select h.id from relationship_history h where h.connector_id = $1 and h.kind = $5 and h.closed_run_id is null and ${where}`;
  if (!source.links) {
    return {
      held: heldWhere('held.holder_id = any($2) or held.target_id = any($2)'),
      // Removed objects ($3) are among the touched ones: named only so every parameter has a type.
      open: openWhere('(h.holder_id = any($2) or h.target_id = any($2) or h.target_id = any($3))'),
    };
  }
  // A group's links: its member or owner touched, the group removed, or the pair in the round.
  const { staged, holder } = source.links;
  const pairs = `select s.group_id, s.${holder} from ${staged} s where s.run_id = $4`;
  return {
    held: [
      heldWhere('held.holder_id = any($2)'),
      heldWhere('held.target_id = any($3)'),
      heldWhere(`(held.target_id, held.holder_id) in (${pairs})`),
    ].join(' union '),
    open: [
      openWhere('h.holder_id = any($2)'),
      openWhere('h.target_id = any($3)'),
      openWhere(`h.key in (select array[p.group_id, p.${holder}] from (${pairs}) p)`),
    ].join(' union '),
  };
}
