-- Issue 30: a connector's data reset frees its partitions' space at once. Deleting the rows left
-- the files as large as before until a vacuum (and at their size even after one); truncating the
-- connector's partition returns them to the operating system in the reset's transaction. Only
-- the connector's own partition is truncated, so other connectors' rows are untouched (the
-- partition is locked exclusively until the reset commits).
--
-- Security definer, as migration 0042's functions: TRUNCATE needs its own privilege or ownership,
-- which a worker or CLI role with row privileges does not have. The caller must be allowed to
-- delete from the parent, as the DELETE this replaces required, and relationship history, which a
-- reset of the same tenant keeps (docs/history.md), is refused. Returns the rows it removed, as
-- that DELETE reported them.
create function truncate_connector_partition(tbl text, connector_id text) returns bigint
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  name text := public.connector_partition_name(tbl, connector_id);
  removed bigint;
begin
  perform public.require_partition_writer(tbl);
  if tbl = 'relationship_history' then
    raise exception 'relationship history is not truncated: a data reset keeps it for the same tenant and deletes it row by row otherwise';
  end if;
  if not has_table_privilege(session_user, format('public.%I', tbl), 'DELETE') then
    raise exception 'role % may not delete from table %', session_user, tbl;
  end if;
  if not public.connector_partition_exists(name) then return 0; end if;
  execute format('select count(*) from connector_partitions.%I', name) into removed;
  execute format('truncate connector_partitions.%I', name);
  return removed;
end $$;
