-- Audit events are read with one filtered query per relevant activity (docs/graph-behaviour.md,
-- "Filters on directoryAudits"). Each query has read everything in [low, high]: runs move high
-- forward to the run's upper bound, and backfill moves low back to floor (the 30-day look-back of
-- the run that first read the query), a bounded number of report pages per run. Finalize alone
-- writes these rows, like every cursor and watermark.
create table audit_sources (
  connector_id text not null references connectors (id) on delete cascade,
  -- The activity-name prefix the query filters on.
  source       text not null,
  floor        timestamptz not null,
  low          timestamptz not null,
  high         timestamptz not null,
  run_id       bigint not null references sync_runs (id),
  primary key (connector_id, source),
  check (low <= high)
);

-- What the run's audit pull read of each query: direction, newest and oldest event, whether the
-- query ran out (then its span reaches the bound). Finalize turns it into audit_sources.
alter table sync_run_streams add column audit_reads jsonb;
