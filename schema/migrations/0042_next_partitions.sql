-- Issue 30 (docs/bootstrap-swap.md): a connector's first bootstrap writes its next copy of a
-- partitioned table page by page while Graph answers, in a table of its own that nothing reads,
-- and finalize swaps it in at the one commit. These functions create, swap and drop those tables.
-- They run as the schema's owner (security definer), as the connector partitions' triggers do:
-- a worker role with only row privileges (docs/operations.md, "Database") runs them too.

create function next_partition_name(tbl text, run_id bigint) returns text
language sql immutable as $$ select tbl || '_next_r' || run_id $$;

-- A table shaped like the partitioned parent `tbl`, holding only `connector_id`'s rows: every index
-- of the parent (adopted, not rebuilt, when it is attached), its foreign keys (adopted, not
-- validated), and a check on connector_id (so attaching it needs no scan). The parent's grants
-- are copied, since rows are written into it directly, not through the parent. An earlier table
-- of the same run (a round started over) is dropped first.
create function create_next_partition(tbl text, connector_id text, run_id bigint) returns text
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  name text := next_partition_name(tbl, run_id);
  item record;
begin
  execute format('drop table if exists connector_partitions.%I', name);
  execute format('create table connector_partitions.%I (like public.%I including defaults including generated including constraints including indexes including storage)',
                 name, tbl);
  execute format('alter table connector_partitions.%I add constraint %I check (connector_id = %L)', name, name || '_connector', connector_id);
  for item in select conname, pg_get_constraintdef(oid) as def from pg_constraint
               where conrelid = format('public.%I', tbl)::regclass and contype = 'f' order by conname loop
    execute format('alter table connector_partitions.%I add constraint %I %s', name, item.conname, item.def);
  end loop;
  for item in select a.grantee::regrole::text as grantee, string_agg(a.privilege_type, ', ') as privileges
                from pg_class c, aclexplode(c.relacl) a
               where c.oid = format('public.%I', tbl)::regclass and a.grantee <> c.relowner and a.grantee <> 0
               group by a.grantee loop
    execute format('grant usage on schema connector_partitions to %I', item.grantee);
    execute format('grant %s on connector_partitions.%I to %I', item.privileges, name, item.grantee);
  end loop;
  return 'connector_partitions.' || quote_ident(name);
end $$;

-- Whether run `run_id` has a next table for `tbl`.
create function next_partition_exists(tbl text, run_id bigint) returns boolean
language sql stable as $$ select to_regclass('connector_partitions.' || quote_ident(next_partition_name(tbl, run_id))) is not null $$;

-- In the finalize transaction: the connector's partition of `tbl` is detached and dropped, the run's
-- next table attached in its place under the partition's usual name. The detach holds the parent
-- exclusively until the commit; the caller sets lock_timeout, so a long reader of another
-- connector makes finalize retry rather than queue every reader behind it.
create function swap_in_next_partition(tbl text, connector_id text, run_id bigint) returns void
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  live text := connector_partition_name(tbl, connector_id);
  next text := next_partition_name(tbl, run_id);
begin
  if to_regclass('connector_partitions.' || quote_ident(live)) is not null then
    execute format('alter table public.%I detach partition connector_partitions.%I', tbl, live);
    execute format('drop table connector_partitions.%I', live);
  end if;
  execute format('alter table public.%I attach partition connector_partitions.%I for values in (%L)', tbl, next, connector_id);
  execute format('alter table connector_partitions.%I rename to %I', next, live);
end $$;

-- Drops run `run_id`'s next table of `tbl` (its round starts over).
create function drop_next_partition(tbl text, run_id bigint) returns void
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  execute format('drop table if exists connector_partitions.%I', next_partition_name(tbl, run_id));
end $$;

-- Drops every next table of run `run_id` (its staging is being discarded). Returns how many.
create function drop_next_partitions(run_id bigint) returns integer
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  item record;
  dropped integer := 0;
begin
  for item in select c.relname from pg_class c
               where c.relnamespace = 'connector_partitions'::regnamespace and c.relkind = 'r'
                 and c.relname like '%\_next\_r' || run_id order by c.relname loop
    execute format('drop table connector_partitions.%I', item.relname);
    dropped := dropped + 1;
  end loop;
  return dropped;
end $$;

-- Which tables the run's pulls built and its finalize swapped in (`runs show`); null: all merged.
alter table sync_runs add column built_tables text[];
