import type { Queryable } from '../../activities/store/database';

/**
 * Which of the schema's tables a run commits, which are its staging, and which are neither,
 * read from the database itself so that a migration's new table is classified without anyone
 * editing a list here (test/schemaTables.test.ts fails for a table that fits no class).
 */

/** The trigger function migration 0011 puts on every staging table: rows only for a running run. */
const STAGING_GUARD = 'staging_requires_running_run';

/**
 * Tables that hold no tenant data a run commits. Each is excluded by name, with the reason; a
 * name here that the schema no longer has fails the coverage test, so the list cannot go stale.
 */
export const EXCLUDED_TABLES: Record<string, string> = {
  schema_migrations: 'the schema version, not a run',
  sync_runs: 'the run records: a disturbed run leaves other rows than a clean one (the scenarios check them themselves)',
  sync_run_streams: 'per-run counters and cursors, one row per stream of every run, however many runs a scenario took',
  connector_secrets: 'sealed with a fresh random nonce on each save; the configured secret, not what a run committed',
  report_request_slots: "the report budget's clock (when the next report request may leave), per app and tenant",
  notification_subscriptions: "Graph change-notification subscriptions and their sealed clientState: the receiver's configuration, not what a run committed",
  notification_receipts: 'what the notification receiver accepted (triggers, no tenant data), written by the receiver, not by a run',
  notification_status: "whether a connector's change notifications work, as its subscription manager last found: not what a run committed",
  sync_run_reconcile_failures: 'per-run record of the targets a committed run kept as last read, one set per run however many runs a scenario took',
};

/**
 * Columns of committed tables whose value legitimately differs between two runs over the same
 * tenant. `null` leaves the column out; an expression replaces it with what must still agree.
 * Columns named run_id or *_run_id become `is not null` (which run did it differs when a crash
 * took two runs, whether one did not), generated columns are left out (they are functions of
 * columns the digest covers) and so are serial ids (numbered by insertion order).
 */
export const DIFFERING_COLUMNS: Record<string, Record<string, string | null>> = {
  connectors: {
    created_at: null, // now() when the deployment registered the connector
    updated_at: null, // now() at the last upsert of the connector
    // One per committing finalize: a scenario that commits two runs (an overlap, a reset of an old
    // run) counts 2 where the clean run counts 1. reliability/invariants.ts checks it instead: it
    // equals the number of succeeded runs.
    commit_generation: null,
  },
  delta_cursors: {
    delta_link: null, // Graph's opaque link; the simulator's token carries its own clock and sequence
    updated_at: null, // now() at the committing finalize
  },
  // A tombstone's time is the committing finalize's now(); whether and how an object is deleted must agree.
  users: { deleted_at: '(deleted_at is not null)' },
  groups: { deleted_at: '(deleted_at is not null)' },
  applications: { deleted_at: '(deleted_at is not null)' },
  service_principals: { deleted_at: '(deleted_at is not null)' },
  discovered_apps: {
    // A consent grant is evidence "now" at the committing finalize (activities/finalize/applyDiscovery.ts);
    // sign-in times are compared through discovery_evidence.occurred_at.
    first_seen_at: null,
    last_evidence_at: null,
  },
  reconcile_reads: {
    read_at: null, // the reading run's start
    // Why the last read happened: a scenario that commits twice (a reset of an old run, a 410)
    // last read a target as 'audit' or 'periodic' where the clean run's one bootstrap says 'bootstrap'.
    reason: null,
  },
  reconcile_failures: {
    // When a target's read failed and when it is due again follow the failing runs' clocks.
    first_failed_at: null,
    last_failed_at: null,
    retry_at: null,
  },
  group_pim_schedule_instances: {
    // Graph expands each instance's principal (displayName, jobTitle, ...) as it was when the group
    // was read; a group not read again keeps that snapshot while the users table moves on (a tail
    // pass never reads PIM). The instance itself, principal id included, must agree.
    data: `data - 'principal'`,
  },
  group_pim_reads: {
    read_at: null, // the reading run's start
    // As in reconcile_reads: every incremental run reads at least one group as 'periodic'.
    reason: null,
  },
  audit_sources: {
    // Each audit query's span runs up to the reading run's upper bound (its start) and back 30 days from it.
    floor: null,
    low: null,
    high: null,
  },
  audit_watermarks: {
    // The credential-audit watermark is the time a run read up to (activities/staging/auditSpans.ts), not an event's.
    watermark: `case when stream = 'credentialAuditEvents' then null else watermark end`,
  },
};

/** How a committed table's rows of one connector are selected for the digest. */
export type CommittedTable = { table: string; select: string };

export type SchemaTables = {
  committed: CommittedTable[];
  /** Guarded by the staging trigger: empty once every run has ended. */
  staging: string[];
  /** Neither committed (no connector column), staging nor excluded: a table no check covers. */
  uncovered: string[];
  /** Exclusions naming a table or column the schema does not have. */
  staleExclusions: string[];
};

type Column = { table: string; column: string; generated: boolean; serial: boolean };

export async function schemaTables(db: Queryable): Promise<SchemaTables> {
  const { rows: tables } = await db.query<{ table: string; guarded: boolean }>(
    `select t.table_name as table,
            exists (select 1 from pg_trigger g join pg_proc p on p.oid = g.tgfoid
                     where g.tgrelid = (quote_ident(t.table_schema) || '.' || quote_ident(t.table_name))::regclass
                       and p.proname = $1) as guarded
       from information_schema.tables t
      where t.table_schema = current_schema() and t.table_type = 'BASE TABLE'
      order by 1`,
    [STAGING_GUARD],
  );
  const { rows: columns } = await db.query<Column>(
    `select table_name as table, column_name as column, is_generated = 'ALWAYS' as generated,
            coalesce(column_default like 'nextval(%', false) as serial
       from information_schema.columns
      where table_schema = current_schema()
      order by table_name, ordinal_position`,
  );
  const columnsOf = (table: string) => columns.filter((c) => c.table === table);

  const committed: CommittedTable[] = [];
  const staging: string[] = [];
  const uncovered: string[] = [];
  for (const { table, guarded } of tables) {
    if (guarded) staging.push(table);
    else if (table in EXCLUDED_TABLES) continue;
    else {
      const own = columnsOf(table);
      // A committed table belongs to a connector: its connector_id column, or the connectors row itself.
      const key = table === 'connectors' ? 'id' : own.some((c) => c.column === 'connector_id') ? 'connector_id' : undefined;
      if (!key) uncovered.push(table);
      else committed.push({ table, select: `select ${digestColumns(table, own).join(', ')} from ${table} where ${key} = $1` });
    }
  }

  const names = new Set(tables.map((t) => t.table));
  const staleExclusions = [
    ...Object.keys(EXCLUDED_TABLES).filter((t) => !names.has(t)),
    ...Object.entries(DIFFERING_COLUMNS).flatMap(([table, cols]) =>
      Object.keys(cols)
        .filter((column) => !columnsOf(table).some((c) => c.column === column))
        .map((column) => `${table}.${column}`),
    ),
  ];
  return { committed, staging, uncovered, staleExclusions };
}

function digestColumns(table: string, columns: Column[]): string[] {
  const differing = DIFFERING_COLUMNS[table] ?? {};
  return columns.flatMap(({ column, generated, serial }) => {
    if (column in differing) {
      const replacement = differing[column];
      return replacement === null || replacement === undefined ? [] : [`${replacement} as ${column}`];
    }
    if (generated || serial) return [];
    if (column === 'run_id' || column.endsWith('_run_id')) return [`(${column} is not null) as ${column}`];
    return [column];
  });
}
