-- Incremental reconciliation (issue 14): a run re-reads the owners and app role assignments only
-- of the apps and service principals that changed, that audit events name, or whose last full
-- read is due (docs/inventory.md, "Owners and app role assignments").

-- Why a run reads a target. 'full' marks plans made by a worker from before this migration,
-- which read every target.
alter table reconcile_targets add column reason text not null default 'full'
  check (reason in ('bootstrap', 'created', 'changed', 'audit', 'unread', 'periodic', 'full'));

-- When each app's and service principal's owners (and a service principal's assignments) were
-- last read by a committed run. Written by finalize in the transaction that applies the read, so
-- a run that never commits leaves it as it was.
create table reconcile_reads (
  connector_id text not null references connectors (id) on delete cascade,
  object_type  text not null check (object_type in ('application', 'servicePrincipal')),
  object_id    text not null,
  read_at      timestamptz not null,  -- the reading run's start: the read is at least this fresh
  run_id       bigint not null references sync_runs (id),
  reason       text not null,
  primary key (connector_id, object_type, object_id)
);
create index reconcile_reads_oldest on reconcile_reads (connector_id, read_at);
create index reconcile_reads_run on reconcile_reads (connector_id, run_id);
