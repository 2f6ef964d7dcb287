-- The run that first saw, last changed, opened or closed a live row is provenance, written only by
-- finalize from its own run row, which it holds locked in the same transaction. As foreign keys
-- these columns cost a trigger call per row on every bulk insert (at 100,000 users a bootstrap
-- checks millions of them, seconds of the one finalize transaction), and guard nothing a delete
-- could break: sync runs are removed only with their connector, which removes the rows too.
-- docs/architecture.md, "Provenance columns".
do $$
declare
  fk record;
begin
  for fk in
    select c.conrelid::regclass as tbl, c.conname
      from pg_constraint c
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
     where c.contype = 'f'
       and c.confrelid = 'sync_runs'::regclass
       and array_length(c.conkey, 1) = 1
       and a.attname in ('first_seen_run_id', 'last_changed_run_id', 'opened_run_id', 'opened_after_run_id', 'closed_run_id', 'closed_after_run_id')
  loop
    execute format('alter table %s drop constraint %I', fk.tbl, fk.conname);
  end loop;
end $$;
