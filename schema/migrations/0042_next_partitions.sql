-- Issue 30 (docs/bootstrap-swap.md): a connector's first bootstrap writes its next copy of a
-- partitioned table page by page while Graph answers, in a table of its own that nothing reads,
-- and finalize attaches it as the connector's partition at the one commit.
--
-- Attaching takes only a SHARE UPDATE EXCLUSIVE lock on the parent: other connectors' readers and
-- writers go on. Detaching or dropping a partition would take the parent exclusively, and its
-- foreign key's triggers would take `connectors` exclusively, so a connector's partitions are no
-- longer created with it: the first commit attaches what the pulls built, or creates them.
--
-- The functions run as the schema's owner (security definer), as the partitions' triggers do: a
-- worker role with only row privileges (docs/operations.md, "Database") calls them. Each checks
-- that its caller may write the parent table, so a read-only role cannot use them.

drop trigger connector_partitions_create on connectors;

-- The partitioned tables lose their foreign key to `connectors`: attaching a partition would clone
-- it, which locks `connectors` against every run's commit (ShareRowExclusive) while it waits. The
-- partitions do its work: a row can only go into its connector's partition, which exists only for
-- a connector, and the connector's removal drops them (the trigger above, before the delete).
do $$
declare
  fk record;
begin
  for fk in select c.conrelid::regclass as tbl, c.conname from pg_constraint c
              join pg_partitioned_table p on p.partrelid = c.conrelid
             where c.contype = 'f' and c.confrelid = 'connectors'::regclass and c.conparentid = 0 loop
    execute format('alter table %s drop constraint %I', fk.tbl, fk.conname);
  end loop;
end $$;

create function next_partition_name(tbl text, run_id bigint) returns text
language sql immutable as $$ select tbl || '_next_r' || run_id $$;

-- Whether the schema connector_partitions holds table `name`; from the catalogue, which every
-- role may read (to_regclass would need USAGE on the schema).
create function connector_partition_exists(name text) returns boolean
language sql stable as $$
  select exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                  where n.nspname = 'connector_partitions' and c.relname = name and c.relkind = 'r')
$$;

-- The caller may write `tbl`, a table of the public schema partitioned by connector.
create function require_partition_writer(tbl text) returns void
language plpgsql stable security definer set search_path = pg_catalog, pg_temp as $$
begin
  if not exists (select 1 from pg_partitioned_table p join pg_class c on c.oid = p.partrelid
                  where c.relnamespace = 'public'::regnamespace and c.relname = tbl) then
    raise exception '% is not a table partitioned by connector', tbl;
  end if;
  if not has_table_privilege(session_user, format('public.%I', tbl), 'INSERT') then
    raise exception 'role % may not write table %', session_user, tbl;
  end if;
end $$;

-- A table shaped like the partitioned parent `tbl`, holding only `connector_id`'s rows: every index
-- of the parent (adopted, not rebuilt, when it is attached) and a check on connector_id (so
-- attaching it needs no scan). The parent's grants are copied, since
-- the pages write into it directly. Kept when it exists: it holds what the round staged so far.
create function create_next_partition(tbl text, connector_id text, run_id bigint) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  name text := public.next_partition_name(tbl, run_id);
  grantee record;
begin
  perform public.require_partition_writer(tbl);
  if public.connector_partition_exists(name) then return; end if;
  execute format('create table connector_partitions.%I (like public.%I including defaults including generated including constraints including indexes including storage)',
                 name, tbl);
  execute format('alter table connector_partitions.%I add constraint %I check (connector_id = %L)', name, name || '_connector', connector_id);
  -- The roles that may write the parent: a read-only role does not see a run's pages before its commit.
  for grantee in select a.grantee as oid, a.grantee::regrole::text as role, string_agg(a.privilege_type, ', ') as privileges
                   from pg_class c, aclexplode(c.relacl) a
                  where c.oid = format('public.%I', tbl)::regclass and a.grantee <> c.relowner and a.grantee <> 0
                  group by a.grantee having bool_or(a.privilege_type = 'INSERT') loop
    -- regrole's text is already quoted where it needs to be.
    execute format('grant %s on connector_partitions.%I to %s', grantee.privileges, name, grantee.role);
    if not has_schema_privilege(grantee.oid, 'connector_partitions', 'USAGE') then
      execute format('grant usage on schema connector_partitions to %s', grantee.role);
    end if;
  end loop;
end $$;

-- Drops run `run_id`'s next table of `tbl` (its round starts over).
create function drop_next_partition(tbl text, run_id bigint) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
  perform public.require_partition_writer(tbl);
  execute format('drop table if exists connector_partitions.%I', public.next_partition_name(tbl, run_id));
end $$;

-- Drops every next table of run `run_id` (its staging is discarded). Returns how many.
create function drop_next_partitions(run_id bigint) returns integer
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  item record;
  dropped integer := 0;
begin
  for item in select c.relname, split_part(c.relname, '_next_r', 1) as parent from pg_class c
               where c.relnamespace = 'connector_partitions'::regnamespace and c.relkind = 'r'
                 and c.relname like '%\_next\_r' || run_id order by c.relname loop
    perform public.require_partition_writer(item.parent);
    execute format('drop table connector_partitions.%I', item.relname);
    dropped := dropped + 1;
  end loop;
  return dropped;
end $$;

-- Fresh statistics for run `run_id`'s next table of `tbl` (kept when it is attached). As the
-- owner: ANALYZE of a table the caller does not own is skipped.
create function analyze_next_partition(tbl text, run_id bigint) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
  perform public.require_partition_writer(tbl);
  execute format('analyze connector_partitions.%I', public.next_partition_name(tbl, run_id));
end $$;

-- In the finalize transaction: run `run_id`'s next table of `tbl` becomes the connector's
-- partition, under the partition's usual name. Only where the connector has none yet (its first
-- commit): the caller checks.
create function attach_next_partition(tbl text, connector_id text, run_id bigint) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  next text := public.next_partition_name(tbl, run_id);
begin
  perform public.require_partition_writer(tbl);
  execute format('alter table public.%I attach partition connector_partitions.%I for values in (%L)', tbl, next, connector_id);
  execute format('alter table connector_partitions.%I rename to %I', next, public.connector_partition_name(tbl, connector_id));
end $$;

-- Migration 0039's functions, now called by the workers too: only for a caller that may write the tables.
create or replace function create_connector_partitions(connector_id text) returns void
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  parent record;
begin
  for parent in
    select c.relname from pg_partitioned_table p join pg_class c on c.oid = p.partrelid
     where c.relnamespace = 'public'::regnamespace order by c.relname
  loop
    perform require_partition_writer(parent.relname);
    execute format('create table if not exists connector_partitions.%I partition of public.%I for values in (%L)',
                   connector_partition_name(parent.relname, connector_id), parent.relname, connector_id);
  end loop;
end $$;

create or replace function drop_connector_partitions(connector_id text) returns void
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  parent record;
begin
  for parent in
    select c.relname from pg_partitioned_table p join pg_class c on c.oid = p.partrelid
     where c.relnamespace = 'public'::regnamespace order by c.relname
  loop
    perform require_partition_writer(parent.relname);
    execute format('drop table if exists connector_partitions.%I', connector_partition_name(parent.relname, connector_id));
  end loop;
end $$;

-- A connector's removal also drops what its runs built and never attached.
create or replace function connector_partitions_on_delete() returns trigger
language plpgsql as $$
declare
  run record;
begin
  for run in select id from sync_runs where connector_id = old.id loop
    perform drop_next_partitions(run.id);
  end loop;
  perform drop_connector_partitions(old.id);
  return old;
end $$;

-- Roles that write the partitioned tables today write next tables too (a role granted later: docs/operations.md).
do $$
declare
  r record;
begin
  for r in select distinct a.grantee::regrole::text as role from pg_class c, aclexplode(c.relacl) a
            where c.oid = 'public.users'::regclass and a.grantee <> c.relowner and a.grantee <> 0 and a.privilege_type = 'INSERT' loop
    execute format('grant usage on schema connector_partitions to %s', r.role);
  end loop;
end $$;

-- Which tables the run's pulls built and its finalize attached (`runs show`); null: all merged.
alter table sync_runs add column built_tables text[];
