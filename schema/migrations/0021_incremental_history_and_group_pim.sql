-- Which keys a run's relationship-history step diffed (docs/history.md, "Whole or touched"):
-- 'whole' (every key, after a bootstrap) or 'touched' (the keys of the objects the run touched),
-- and how many objects that was. Null on runs committed before this migration.
alter table sync_runs
  add column history_diff text check (history_diff in ('whole', 'touched')),
  add column history_touched_objects integer;

-- PIM for Groups without a full read every run (docs/graph-behaviour.md, "PIM for Groups in the
-- connector"): the role-assignable groups a run listed, and why it read each one (null: listed,
-- not read this run), so finalize replaces only the instances of the groups read and drops those
-- of groups no longer listed.
create table staged_group_pim_groups (
  run_id   bigint not null references sync_runs (id) on delete cascade,
  group_id text not null,
  reason   text check (reason in ('bootstrap', 'unread', 'changed', 'periodic')),
  primary key (run_id, group_id)
);

create trigger staged_group_pim_groups_open_run_ins after insert on staged_group_pim_groups referencing new table as new_rows
  for each statement execute function staging_requires_running_run();
create trigger staged_group_pim_groups_open_run_upd after update on staged_group_pim_groups referencing new table as new_rows
  for each statement execute function staging_requires_running_run();

-- When a committed run last read each role-assignable group's schedules: the periodic read takes
-- the oldest first. Written in the finalize transaction that applies the read.
create table group_pim_reads (
  connector_id text not null references connectors (id) on delete cascade,
  group_id     text not null,
  read_at      timestamptz not null,  -- the reading run's start: the read is at least this fresh
  run_id       bigint not null references sync_runs (id),
  reason       text not null,
  primary key (connector_id, group_id)
);
create index group_pim_reads_oldest on group_pim_reads (connector_id, read_at);

-- An incremental run recomputes only the entitlements it could have changed, among them those
-- reached through a group it removed: found by this index rather than by a scan of the table.
create index effective_entitlements_via_group on effective_entitlements (connector_id, via_group_id) where via_group_id <> '';
