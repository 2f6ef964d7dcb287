-- The first versions of these casts caught errors in an exception block, which opens a
-- subtransaction per call: several per row of every generated column, seconds per 10,000 rows.
-- pg_input_is_valid (PostgreSQL 16+) checks the input without raising.
create or replace function graph_timestamp(value text) returns timestamptz
language sql immutable parallel safe as $$
  select case when pg_input_is_valid(value, 'timestamptz') then value::timestamptz end
$$;

create or replace function graph_boolean(value text) returns boolean
language sql immutable parallel safe as $$
  select case lower(value) when 'true' then true when 'false' then false end
$$;
