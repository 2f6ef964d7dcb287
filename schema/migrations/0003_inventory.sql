-- Groups, applications and service principals (same inventory shape as users), direct group
-- memberships, and the credentials of apps and service principals.

create table groups (
  connector_id         text not null references connectors (id) on delete cascade,
  id                   text not null,
  data                 jsonb not null,
  display_name         text generated always as (data ->> 'displayName') stored,
  mail                 text generated always as (data ->> 'mail') stored,
  mail_enabled         boolean generated always as (graph_boolean(data ->> 'mailEnabled')) stored,
  security_enabled     boolean generated always as (graph_boolean(data ->> 'securityEnabled')) stored,
  is_microsoft_365     boolean generated always as (coalesce(data -> 'groupTypes' ? 'Unified', false)) stored,
  is_dynamic           boolean generated always as (coalesce(data -> 'groupTypes' ? 'DynamicMembership', false)) stored,
  is_assignable_to_role boolean generated always as (graph_boolean(data ->> 'isAssignableToRole')) stored,
  membership_rule      text generated always as (data ->> 'membershipRule') stored,
  visibility           text generated always as (data ->> 'visibility') stored,
  created_at           timestamptz generated always as (graph_timestamp(data ->> 'createdDateTime')) stored,
  on_premises_sync_enabled boolean generated always as (graph_boolean(data ->> 'onPremisesSyncEnabled')) stored,
  deleted_at           timestamptz,
  deletion_kind        text check (deletion_kind in ('soft_deleted', 'hard_deleted', 'absent')),
  first_seen_run_id    bigint not null references sync_runs (id),
  last_changed_run_id  bigint not null references sync_runs (id),
  primary key (connector_id, id)
);

create table applications (
  connector_id         text not null references connectors (id) on delete cascade,
  id                   text not null,
  data                 jsonb not null,
  app_id               text generated always as (data ->> 'appId') stored,
  display_name         text generated always as (data ->> 'displayName') stored,
  sign_in_audience     text generated always as (data ->> 'signInAudience') stored,
  publisher_domain     text generated always as (data ->> 'publisherDomain') stored,
  verified_publisher   text generated always as (data -> 'verifiedPublisher' ->> 'displayName') stored,
  created_at           timestamptz generated always as (graph_timestamp(data ->> 'createdDateTime')) stored,
  deleted_at           timestamptz,
  deletion_kind        text check (deletion_kind in ('soft_deleted', 'hard_deleted', 'absent')),
  first_seen_run_id    bigint not null references sync_runs (id),
  last_changed_run_id  bigint not null references sync_runs (id),
  primary key (connector_id, id)
);
create index applications_app_id on applications (connector_id, app_id);

create table service_principals (
  connector_id         text not null references connectors (id) on delete cascade,
  id                   text not null,
  data                 jsonb not null,
  app_id               text generated always as (data ->> 'appId') stored,
  display_name         text generated always as (data ->> 'displayName') stored,
  service_principal_type text generated always as (data ->> 'servicePrincipalType') stored,
  app_owner_organization_id text generated always as (data ->> 'appOwnerOrganizationId') stored,
  account_enabled      boolean generated always as (graph_boolean(data ->> 'accountEnabled')) stored,
  app_role_assignment_required boolean generated always as (graph_boolean(data ->> 'appRoleAssignmentRequired')) stored,
  publisher_name       text generated always as (data ->> 'publisherName') stored,
  verified_publisher   text generated always as (data -> 'verifiedPublisher' ->> 'displayName') stored,
  deleted_at           timestamptz,
  deletion_kind        text check (deletion_kind in ('soft_deleted', 'hard_deleted', 'absent')),
  first_seen_run_id    bigint not null references sync_runs (id),
  last_changed_run_id  bigint not null references sync_runs (id),
  primary key (connector_id, id)
);
create index service_principals_app_id on service_principals (connector_id, app_id);

-- Direct memberships as Graph reports them (members@delta); nested groups are rows of type 'group'.
create table group_members (
  connector_id      text not null references connectors (id) on delete cascade,
  group_id          text not null,
  member_id         text not null,
  member_type       text not null,  -- user, group, servicePrincipal, device, orgContact, ...
  first_seen_run_id bigint not null references sync_runs (id),
  primary key (connector_id, group_id, member_id)
);
create index group_members_member on group_members (connector_id, member_id);

create table staged_memberships (
  run_id      bigint not null references sync_runs (id) on delete cascade,
  group_id    text not null,
  member_id   text not null,
  member_type text not null,
  removed     boolean not null,
  primary key (run_id, group_id, member_id)
);

-- Every group a member belongs to, directly or through nested groups (cycles are cut).
create view group_members_transitive as
with recursive reach (connector_id, group_id, member_id, member_type, depth, path) as (
  select connector_id, group_id, member_id, member_type, 1, array[group_id]
    from group_members
  union all
  select r.connector_id, r.group_id, m.member_id, m.member_type, r.depth + 1, r.path || m.group_id
    from reach r
    join group_members m on m.connector_id = r.connector_id and m.group_id = r.member_id
   where r.member_type = 'group' and m.group_id <> all (r.path)
)
select connector_id, group_id, member_id, member_type, min(depth) as depth
  from reach
 group by connector_id, group_id, member_id, member_type;

-- Secrets and certificates of applications and service principals, derived at finalize.
create table credentials (
  connector_id   text not null references connectors (id) on delete cascade,
  owner_type     text not null check (owner_type in ('application', 'servicePrincipal')),
  owner_id       text not null,
  key_id         text not null,
  kind           text not null check (kind in ('password', 'certificate')),
  display_name   text,
  hint           text,
  starts_at      timestamptz,
  ends_at        timestamptz,
  custom_key_identifier text,
  first_seen_run_id bigint not null references sync_runs (id),
  primary key (connector_id, owner_type, owner_id, key_id)
);
create index credentials_ends_at on credentials (connector_id, ends_at);

-- Status is computed when queried, never frozen at sync time.
create view credentials_with_status as
select c.*,
       case when c.ends_at is null then 'active'
            when c.ends_at <= now() then 'expired'
            when c.ends_at <= now() + interval '30 days' then 'expiring'
            else 'active' end as status
  from credentials c;

-- Counts of what finalize derives from the pulled streams (memberships, credentials).
alter table sync_run_streams add column derived_from text;
