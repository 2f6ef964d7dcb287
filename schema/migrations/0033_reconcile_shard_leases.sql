-- The one attempt of a reconcile shard that may store its targets' reads: its Temporal run,
-- activity id and attempt number, as sync_run_streams.attempt_lease is for a pull (0029). Each
-- attempt claims it when it starts; every batch it stores locks the row and checks it in the same
-- transaction, so an attempt Temporal gave up on (a heartbeat timeout) that still runs cannot store
-- its reads over those of the attempt after it (docs/run-lifecycle.md).
create table reconcile_shard_leases (
  run_id        bigint  not null references sync_runs (id) on delete cascade,
  shard         integer not null,
  attempt_lease text    not null,
  primary key (run_id, shard)
);

-- Staging like reconcile_targets: rows only for a running run, deleted with the run's staging.
create trigger reconcile_shard_leases_open_run_ins after insert on reconcile_shard_leases referencing new table as new_rows
  for each statement execute function staging_requires_running_run();
create trigger reconcile_shard_leases_open_run_upd after update on reconcile_shard_leases referencing new table as new_rows
  for each statement execute function staging_requires_running_run();
