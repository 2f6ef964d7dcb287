-- Who owns what, who can reach which enterprise app, who holds which directory role, and who
-- changed which credential. Owners, app role assignments and role assignments are re-read in full
-- every run (Graph has no delta for them); audit events are pulled from a watermark.

alter table sync_run_streams drop constraint sync_run_streams_mode_check;
alter table sync_run_streams add constraint sync_run_streams_mode_check check (mode in ('bootstrap', 'incremental', 'full'));
-- Audit stream: the newest event time this run fetched; committed at finalize.
alter table sync_run_streams add column watermark timestamptz;

-- The apps and service principals a run reconciles, in shards of bounded size.
create table reconcile_targets (
  run_id      bigint not null references sync_runs (id) on delete cascade,
  object_type text not null check (object_type in ('application', 'servicePrincipal')),
  object_id   text not null,
  shard       integer not null,
  done        boolean not null default false,
  gone        boolean not null default false,  -- deleted between the delta pull and reconciliation
  primary key (run_id, object_type, object_id)
);
create index reconcile_targets_shard on reconcile_targets (run_id, shard);

create table staged_owners (
  run_id      bigint not null references sync_runs (id) on delete cascade,
  object_type text not null,
  object_id   text not null,
  owner_id    text not null,
  owner_type  text not null,
  primary key (run_id, object_type, object_id, owner_id)
);

create table owners (
  connector_id      text not null references connectors (id) on delete cascade,
  object_type       text not null check (object_type in ('application', 'servicePrincipal')),
  object_id         text not null,
  owner_id          text not null,
  owner_type        text not null,  -- user, servicePrincipal
  first_seen_run_id bigint not null references sync_runs (id),
  primary key (connector_id, object_type, object_id, owner_id)
);
create index owners_owner on owners (connector_id, owner_id);

create table staged_app_role_assignments (
  run_id      bigint not null references sync_runs (id) on delete cascade,
  id          text not null,
  resource_id text not null,
  data        jsonb not null,
  primary key (run_id, id)
);

create table app_role_assignments (
  connector_id          text not null references connectors (id) on delete cascade,
  id                    text not null,
  data                  jsonb not null,
  resource_id           text generated always as (data ->> 'resourceId') stored,
  resource_display_name text generated always as (data ->> 'resourceDisplayName') stored,
  principal_id          text generated always as (data ->> 'principalId') stored,
  principal_type        text generated always as (data ->> 'principalType') stored,
  principal_display_name text generated always as (data ->> 'principalDisplayName') stored,
  app_role_id           text generated always as (data ->> 'appRoleId') stored,
  created_at            timestamptz generated always as (graph_timestamp(data ->> 'createdDateTime')) stored,
  first_seen_run_id     bigint not null references sync_runs (id),
  primary key (connector_id, id)
);
create index app_role_assignments_principal on app_role_assignments (connector_id, principal_id);
create index app_role_assignments_resource on app_role_assignments (connector_id, resource_id);

create table staged_directory_roles (
  run_id bigint not null references sync_runs (id) on delete cascade,
  kind   text not null check (kind in ('definition', 'assignment')),
  id     text not null,
  data   jsonb not null,
  primary key (run_id, kind, id)
);

create table directory_role_definitions (
  connector_id text not null references connectors (id) on delete cascade,
  id           text not null,
  data         jsonb not null,
  display_name text generated always as (data ->> 'displayName') stored,
  template_id  text generated always as (data ->> 'templateId') stored,
  is_built_in  boolean generated always as (graph_boolean(data ->> 'isBuiltIn')) stored,
  primary key (connector_id, id)
);

create table directory_role_assignments (
  connector_id       text not null references connectors (id) on delete cascade,
  id                 text not null,
  data               jsonb not null,
  principal_id       text generated always as (data ->> 'principalId') stored,
  principal_type     text generated always as (replace(data -> 'principal' ->> '@odata.type', '#microsoft.graph.', '')) stored,
  role_definition_id text generated always as (data ->> 'roleDefinitionId') stored,
  directory_scope_id text generated always as (data ->> 'directoryScopeId') stored,
  app_scope_id       text generated always as (data ->> 'appScopeId') stored,
  first_seen_run_id  bigint not null references sync_runs (id),
  primary key (connector_id, id)
);

create table staged_audit_events (
  run_id bigint not null references sync_runs (id) on delete cascade,
  id     text not null,
  data   jsonb not null,
  primary key (run_id, id)
);

-- Credential-related directory audit events, one row per event id.
create table credential_audit_events (
  connector_id        text not null references connectors (id) on delete cascade,
  id                  text not null,
  activity            text not null,  -- normalised kind, e.g. application_credentials_updated
  data                jsonb not null,
  activity_display_name text generated always as (data ->> 'activityDisplayName') stored,
  activity_at         timestamptz generated always as (graph_timestamp(data ->> 'activityDateTime')) stored,
  result              text generated always as (data ->> 'result') stored,
  actor_type          text generated always as (case when data -> 'initiatedBy' -> 'user' ->> 'id' is not null then 'user'
                                                     when data -> 'initiatedBy' -> 'app' is not null and jsonb_typeof(data -> 'initiatedBy' -> 'app') = 'object' then 'app' end) stored,
  actor_id            text generated always as (coalesce(data -> 'initiatedBy' -> 'user' ->> 'id', data -> 'initiatedBy' -> 'app' ->> 'servicePrincipalId')) stored,
  actor_name          text generated always as (coalesce(data -> 'initiatedBy' -> 'user' ->> 'userPrincipalName', data -> 'initiatedBy' -> 'app' ->> 'displayName')) stored,
  target_type         text generated always as (data -> 'targetResources' -> 0 ->> 'type') stored,
  target_id           text generated always as (data -> 'targetResources' -> 0 ->> 'id') stored,
  target_name         text generated always as (data -> 'targetResources' -> 0 ->> 'displayName') stored,
  key_ids             text[] not null default '{}',
  first_seen_run_id   bigint not null references sync_runs (id),
  primary key (connector_id, id)
);
create index credential_audit_events_at on credential_audit_events (connector_id, activity_at desc);

create table audit_watermarks (
  connector_id text not null references connectors (id) on delete cascade,
  stream       text not null,
  watermark    timestamptz not null,
  run_id       bigint not null references sync_runs (id),
  primary key (connector_id, stream)
);

-- Recomputed at finalize: who reaches which enterprise app, and how.
create table effective_entitlements (
  connector_id   text not null references connectors (id) on delete cascade,
  principal_id   text not null,
  principal_type text not null check (principal_type in ('User', 'ServicePrincipal')),
  resource_id    text not null,
  app_role_id    text not null,
  assignment_id  text not null,
  granted_via    text not null check (granted_via in ('direct', 'group')),
  via_group_id   text not null default '',  -- '' when direct, so it can sit in the key
  primary key (connector_id, principal_id, assignment_id, via_group_id)
);
create index effective_entitlements_resource on effective_entitlements (connector_id, resource_id);
