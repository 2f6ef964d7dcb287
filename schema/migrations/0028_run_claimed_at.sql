-- When the Temporal run that owns the row last claimed it: opened it, or took it over (a reset
-- reopening a failed run keeps started_at). The janitor ages a run it cannot ask Temporal about
-- from here, so a run reopened today is not abandoned for having started two days ago.
alter table sync_runs add column claimed_at timestamptz;
update sync_runs set claimed_at = started_at;
alter table sync_runs alter column claimed_at set not null, alter column claimed_at set default now();
