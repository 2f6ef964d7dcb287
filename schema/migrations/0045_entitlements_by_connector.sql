-- Issue 30 (docs/bootstrap-swap.md): effective entitlements partitioned by connector, as users
-- (migration 0039), so a connector's first bootstrap can build them before finalize and attach
-- them at its commit. The views that read the table are created again unchanged.
select partition_by_connector('effective_entitlements');

-- Without the foreign key to `connectors`, as the other partitioned tables (migration 0042):
-- attaching a partition would clone it and lock `connectors` against every run's commit while it
-- waits. A connector's removal drops its partitions (migration 0042's trigger).
do $$
declare
  fk record;
begin
  for fk in select c.conname from pg_constraint c
             where c.conrelid = 'effective_entitlements'::regclass and c.contype = 'f'
               and c.confrelid = 'connectors'::regclass and c.conparentid = 0 loop
    execute format('alter table effective_entitlements drop constraint %I', fk.conname);
  end loop;
end $$;
