-- Users: typed columns for what posture queries filter on, the full Graph object in data.
create table users (
  connector_id        text not null references connectors (id) on delete cascade,
  id                  text not null,
  data                jsonb not null,
  user_principal_name text generated always as (data ->> 'userPrincipalName') stored,
  display_name        text generated always as (data ->> 'displayName') stored,
  mail                text generated always as (data ->> 'mail') stored,
  user_type           text generated always as (data ->> 'userType') stored,
  account_enabled     boolean generated always as (graph_boolean(data ->> 'accountEnabled')) stored,
  created_at          timestamptz generated always as (graph_timestamp(data ->> 'createdDateTime')) stored,
  last_password_change_at timestamptz generated always as (graph_timestamp(data ->> 'lastPasswordChangeDateTime')) stored,
  on_premises_sync_enabled boolean generated always as (graph_boolean(data ->> 'onPremisesSyncEnabled')) stored,
  -- Tombstone: set when Graph reports the user removed, or when a bootstrap no longer sees it.
  deleted_at          timestamptz,
  deletion_kind       text check (deletion_kind in ('soft_deleted', 'hard_deleted', 'absent')),
  first_seen_run_id   bigint not null references sync_runs (id),
  last_changed_run_id bigint not null references sync_runs (id),
  primary key (connector_id, id)
);
create index users_upn on users (connector_id, lower(user_principal_name));
create index users_live on users (connector_id) where deleted_at is null;
