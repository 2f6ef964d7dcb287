-- Issue 30, step 3 (docs/bootstrap-swap.md): the live tables a bootstrap rewrites become
-- partitioned by connector, so that a bootstrap can build its next copy of a connector's rows while
-- Graph answers and swap it in at the one commit. This migration brings the machinery and
-- partitions `users`; later migrations call partition_by_connector() for the other tables.
--
-- Partitions live in their own schema, so every catalogue read of current_schema() (connector
-- reset's synced tables, the tests' table digest) sees only the parents, as before. A partition is
-- named after its table and the md5 of its connector id (any text), created with the connector
-- and dropped with it: a removed connector frees its space at once.

create schema connector_partitions;

create function connector_partition_name(tbl text, connector_id text) returns text
language sql immutable as $$ select tbl || '_' || left(md5(connector_id), 16) $$;

-- The connector's partition of every table partitioned by connector_id. Creating or dropping a
-- partition needs the parent's owner (the role that migrates); a smaller worker role with only
-- row privileges (docs/operations.md, "Database") adds and removes connectors too, so both run as
-- their definer.
create function create_connector_partitions(connector_id text) returns void
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  parent record;
begin
  for parent in
    select c.relname from pg_partitioned_table p join pg_class c on c.oid = p.partrelid
     where c.relnamespace = 'public'::regnamespace order by c.relname
  loop
    execute format('create table if not exists connector_partitions.%I partition of public.%I for values in (%L)',
                   connector_partition_name(parent.relname, connector_id), parent.relname, connector_id);
  end loop;
end $$;

create function drop_connector_partitions(connector_id text) returns void
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  parent record;
begin
  for parent in
    select c.relname from pg_partitioned_table p join pg_class c on c.oid = p.partrelid
     where c.relnamespace = 'public'::regnamespace order by c.relname
  loop
    execute format('drop table if exists connector_partitions.%I', connector_partition_name(parent.relname, connector_id));
  end loop;
end $$;

create function connector_partitions_on_insert() returns trigger
language plpgsql as $$ begin perform create_connector_partitions(new.id); return new; end $$;

-- Before the delete: dropping a partition inside the delete's own cascade would find it in use.
create function connector_partitions_on_delete() returns trigger
language plpgsql as $$ begin perform drop_connector_partitions(old.id); return old; end $$;

create trigger connector_partitions_create after insert on connectors
  for each row execute function connector_partitions_on_insert();
create trigger connector_partitions_drop before delete on connectors
  for each row execute function connector_partitions_on_delete();

-- Turns a table with a connector_id column into one partitioned by it, keeping its rows, columns,
-- constraints, indexes (same names) and every view that reads it (views are bound to the table,
-- not its name, so they are dropped and created again from their own definitions).
create function partition_by_connector(tbl text) returns void
language plpgsql as $$
declare
  views jsonb;
  constraints jsonb;
  indexes jsonb;
  item jsonb;
  stored_columns text;
  pending jsonb;
  failed jsonb;
  connector record;
begin
  -- Every view reading the table, directly or through other views, oldest first.
  with recursive dependent (oid) as (
    select distinct r.ev_class from pg_depend d join pg_rewrite r on r.oid = d.objid
     where d.classid = 'pg_rewrite'::regclass and d.refobjid = format('public.%I', tbl)::regclass and r.ev_class <> d.refobjid
    union
    select distinct r.ev_class from dependent v join pg_depend d on d.refobjid = v.oid
      join pg_rewrite r on r.oid = d.objid
     where d.classid = 'pg_rewrite'::regclass and r.ev_class <> v.oid
  )
  select coalesce(jsonb_agg(jsonb_build_object('name', c.relname, 'def', pg_get_viewdef(c.oid)) order by c.oid), '[]')
    into views
    from pg_class c where c.oid in (select oid from dependent) and c.relkind = 'v';
  select coalesce(jsonb_agg(jsonb_build_object('name', conname, 'def', pg_get_constraintdef(oid)) order by contype desc, conname), '[]')
    into constraints
    from pg_constraint where conrelid = format('public.%I', tbl)::regclass and contype in ('p', 'u', 'f');
  select coalesce(jsonb_agg(indexdef order by indexname), '[]') into indexes
    from pg_indexes i
   where i.schemaname = 'public' and i.tablename = tbl
     and not exists (select 1 from pg_constraint k where k.conindid = format('public.%I', i.indexname)::regclass);
  select string_agg(quote_ident(attname), ', ' order by attnum) into stored_columns
    from pg_attribute where attrelid = format('public.%I', tbl)::regclass and attnum > 0 and not attisdropped and attgenerated = '';

  for item in select * from jsonb_array_elements(views) order by 1 desc loop
    execute format('drop view if exists public.%I cascade', item ->> 'name');
  end loop;

  execute format('alter table public.%I rename to %I', tbl, tbl || '_unpartitioned');
  execute format('create table public.%I (like public.%I including defaults including generated including constraints including storage including comments) partition by list (connector_id)',
                 tbl, tbl || '_unpartitioned');
  for connector in select id from connectors order by id loop
    execute format('create table connector_partitions.%I partition of public.%I for values in (%L)',
                   connector_partition_name(tbl, connector.id), tbl, connector.id);
  end loop;
  execute format('insert into public.%I (%s) select %s from public.%I', tbl, stored_columns, stored_columns, tbl || '_unpartitioned');
  execute format('drop table public.%I', tbl || '_unpartitioned');

  for item in select * from jsonb_array_elements(constraints) loop
    execute format('alter table public.%I add constraint %I %s', tbl, item ->> 'name', item ->> 'def');
  end loop;
  for item in select * from jsonb_array_elements(indexes) loop
    execute item #>> '{}';
  end loop;

  -- Views may read each other: create what can be created until nothing is left.
  pending := views;
  while jsonb_array_length(pending) > 0 loop
    failed := '[]';
    for item in select * from jsonb_array_elements(pending) loop
      begin
        execute format('create view public.%I as %s', item ->> 'name', item ->> 'def');
      exception when undefined_table or undefined_column or undefined_function then
        failed := failed || jsonb_build_array(item);
      end;
    end loop;
    if jsonb_array_length(failed) = jsonb_array_length(pending) then
      raise exception 'partition_by_connector(%): views % cannot be created again', tbl, failed;
    end if;
    pending := failed;
  end loop;
end $$;

select partition_by_connector('users');
