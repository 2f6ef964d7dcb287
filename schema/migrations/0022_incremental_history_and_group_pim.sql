-- Which keys a run's relationship-history step diffed (docs/history.md, "Whole or touched"):
-- 'whole' (every key, after a bootstrap) or 'touched' (the keys of the objects the run touched),
-- and how many objects that was. Null on runs committed before this migration.
alter table sync_runs
  add column history_diff text check (history_diff in ('whole', 'touched')),
  add column history_touched_objects integer;
