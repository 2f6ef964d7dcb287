-- A target whose own read fails (403, or 404 while the object exists) no longer fails the run
-- (issue 25, item D): the run records the failure, keeps the target's last known owners and
-- assignments, and reads it again after a back-off (docs/inventory.md, "A target that cannot be read").

-- How a target's read failed this run; null when it was read (or found deleted).
alter table reconcile_targets add column failure text check (failure in ('forbidden', 'notFound'));
alter table reconcile_targets add column failure_message text;

-- 'retry': its back-off ended, and no stronger reason chose it.
alter table reconcile_targets drop constraint reconcile_targets_reason_check;
alter table reconcile_targets add constraint reconcile_targets_reason_check
  check (reason in ('bootstrap', 'created', 'changed', 'audit', 'retry', 'unread', 'periodic', 'full'));

-- Targets whose last committed read failed, and when they are read again. Written by finalize in
-- the transaction that commits the failed read; a successful read (or the object's removal) drops it.
create table reconcile_failures (
  connector_id    text not null references connectors (id) on delete cascade,
  object_type     text not null check (object_type in ('application', 'servicePrincipal')),
  object_id       text not null,
  kind            text not null check (kind in ('forbidden', 'notFound')),
  message         text not null,
  failures        integer not null,      -- consecutive failed reads
  first_failed_at timestamptz not null,
  last_failed_at  timestamptz not null,
  retry_at        timestamptz not null,  -- no run reads it before
  run_id          bigint not null references sync_runs (id),
  primary key (connector_id, object_type, object_id)
);

-- What each committed run left unread: the targets that failed in it (attempted) and those still
-- waiting for their retry. Kept with the run, for its summary and `runs show`.
create table sync_run_reconcile_failures (
  run_id      bigint not null references sync_runs (id) on delete cascade,
  object_type text not null,
  object_id   text not null,
  kind        text not null,
  message     text not null,
  failures    integer not null,
  attempted   boolean not null,  -- this run tried to read it (false: waiting for retry_at)
  retry_at    timestamptz not null,
  primary key (run_id, object_type, object_id)
);
