-- staged_group_owners (migration 0016) was created without the guard every other staging table has
-- (migration 0011): a pull that outlived its workflow (terminated, reset) could still stage group
-- owners after the janitor had swept its run, and leave them behind. The lifecycle test
-- "terminated mid-pull" found 8 such rows once.
create trigger staged_group_owners_open_run_ins after insert on staged_group_owners referencing new table as new_rows
  for each statement execute function staging_requires_running_run();
create trigger staged_group_owners_open_run_upd after update on staged_group_owners referencing new table as new_rows
  for each statement execute function staging_requires_running_run();
