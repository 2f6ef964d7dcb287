-- Every way a run can end (docs/run-lifecycle.md).

-- cancelled: an operator cancelled the workflow before it committed.
-- abandoned: the janitor found the row running after its workflow execution had closed.
alter table sync_runs drop constraint sync_runs_status_check;
alter table sync_runs add constraint sync_runs_status_check
  check (status in ('running', 'succeeded', 'failed', 'cancelled', 'abandoned'));

-- workflow_run_id is the Temporal run that owns the row: a reset execution takes a failed row
-- over (reopens it) and its activities then write as the owner.
alter table sync_runs
  add column base_generation      bigint,       -- the connector's commit generation the run read from
  add column reopened             integer not null default 0,  -- how many resets took the row over
  add column finalize_started_at  timestamptz,
  add column staging_discarded_at timestamptz;  -- set once its staging is gone: it can never commit

-- Runs that ended before this version deleted their staging when they ended: none can be resumed.
update sync_runs set staging_discarded_at = coalesce(finished_at, now()) where status <> 'running';

-- Bumped by every committing finalize (and by a tenant reset): a run commits only if nothing else
-- committed since it opened. Link text cannot serve, as Graph repeats a link for an unchanged round.
alter table connectors add column commit_generation bigint not null default 0;

create index sync_runs_connector_status on sync_runs (connector_id, status);

-- Staging accepts rows only for a running run. A worker that outlived its workflow (terminated,
-- reset) cannot leave rows behind once the janitor or a commit has swept its run: the check locks
-- the run row, so it serializes with the janitor's update.
create function staging_requires_running_run() returns trigger language plpgsql as $$
declare
  stale bigint;
begin
  -- Lock first (even running rows), so a janitor's or failRun's update waits for this statement.
  perform 1 from sync_runs r where r.id in (select distinct n.run_id from new_rows n) for share;
  select r.id into stale
    from sync_runs r
   where r.id in (select distinct n.run_id from new_rows n) and r.status <> 'running'
   limit 1;
  if stale is not null then
    raise exception 'sync run % is no longer running; its staging is closed', stale
      using errcode = 'P0001', hint = 'entra_sync_run_closed';
  end if;
  return null;
end $$;

do $$
declare
  t text;
begin
  foreach t in array array['staged_objects', 'staged_memberships', 'staged_owners', 'staged_app_role_assignments',
                           'staged_directory_roles', 'staged_audit_events', 'staged_discovery', 'reconcile_targets'] loop
    execute format('create trigger %I after insert on %I referencing new table as new_rows
                    for each statement execute function staging_requires_running_run()', t || '_open_run_ins', t);
    execute format('create trigger %I after update on %I referencing new table as new_rows
                    for each statement execute function staging_requires_running_run()', t || '_open_run_upd', t);
  end loop;
end $$;
