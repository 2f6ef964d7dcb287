-- Connectors, runs, cursors and staging: the machinery every stream shares.

create table connectors (
  id                text primary key,
  tenant_id         text not null,
  client_id         text not null,
  graph_base_url    text not null,
  authority_host    text not null,
  discovery_enabled boolean not null default false,
  enabled           boolean not null default true,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now()
);

create table sync_runs (
  id              bigserial primary key,
  connector_id    text not null references connectors (id) on delete cascade,
  workflow_id     text not null,
  workflow_run_id text not null,
  status          text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
  started_at      timestamptz not null default now(),
  finished_at     timestamptz,
  error_kind      text,
  error_message   text,
  unique (workflow_id, workflow_run_id)
);
create index sync_runs_connector_started on sync_runs (connector_id, started_at desc);

-- One row per stream of a run: decided at prepare, filled by the pull, counted by finalize.
create table sync_run_streams (
  run_id        bigint not null references sync_runs (id) on delete cascade,
  stream        text not null,
  mode          text not null check (mode in ('bootstrap', 'incremental')),
  start_link    text,             -- the committed cursor the pull starts from (null on bootstrap)
  resync_reason text,             -- why an incremental pull fell back to a bootstrap
  delta_link    text,             -- the cursor the completed pull ended on; committed at finalize
  pages         integer not null default 0,
  requests      integer not null default 0,
  throttled     integer not null default 0,
  staged        integer not null default 0,
  upserted      integer,
  removed       integer,
  pulled_at     timestamptz,
  primary key (run_id, stream)
);

create table delta_cursors (
  connector_id text not null references connectors (id) on delete cascade,
  stream       text not null,
  delta_link   text not null,
  run_id       bigint not null references sync_runs (id),
  updated_at   timestamptz not null default now(),
  primary key (connector_id, stream)
);

-- Pages land here as they arrive; finalize applies them in one transaction. One row per object:
-- repeated occurrences within a run merge (last wins), so a replayed page changes nothing.
create table staged_objects (
  run_id         bigint not null references sync_runs (id) on delete cascade,
  stream         text not null,
  object_id      text not null,
  data           jsonb,           -- null when the object was removed
  removed_reason text,            -- Graph's @removed.reason: 'changed' (soft delete) or 'deleted'
  primary key (run_id, stream, object_id)
);

-- Typed columns are generated from Graph's JSON; a malformed timestamp becomes null instead of
-- failing the whole finalize (the raw value stays in data).
create function graph_timestamp(value text) returns timestamptz
language plpgsql immutable parallel safe as $$
begin
  return value::timestamptz;
exception when others then
  return null;
end $$;

create function graph_boolean(value text) returns boolean
language plpgsql immutable parallel safe as $$
begin
  return value::boolean;
exception when others then
  return null;
end $$;
