-- Who held what, when (docs/history.md). Every finalize diffs what the live tables hold against
-- the open intervals, in the same transaction: it opens an interval for what is held without one
-- and closes the open ones no longer held. Times come from the runs' commits (sync_runs.finished_at).

create table relationship_history (
  id                  bigserial primary key,
  connector_id        text not null references connectors (id) on delete cascade,
  -- The tenant it was observed in: a change of tenant with --reset-data drops the old tenant's history.
  tenant_id           text not null,
  kind                text not null,    -- group_member, app_owner, app_role_assignment, directory_role, credential
  key                 text[] not null,  -- the natural key within the kind (docs/history.md)
  holder_id           text not null,
  holder_type         text,
  target_id           text not null,
  target_type         text,
  -- Attributes that version the interval: a change closes it and opens a new one (a credential's dates).
  detail              jsonb not null default '{}',
  opened_run_id       bigint not null references sync_runs (id),
  -- The committed run before the opening one, when the change cannot be earlier; null: it was
  -- already held when history of this kind began for the connector.
  opened_after_run_id bigint references sync_runs (id),
  closed_run_id       bigint references sync_runs (id),
  -- The last committed run that still saw it held.
  closed_after_run_id bigint references sync_runs (id)
);
-- One open interval per natural key: the diff relies on it, and a racing finalize cannot double it.
create unique index relationship_history_open on relationship_history (connector_id, kind, key) where closed_run_id is null;
create index relationship_history_holder on relationship_history (connector_id, holder_id);
create index relationship_history_target on relationship_history (connector_id, target_id);
create index relationship_history_opened on relationship_history (opened_run_id);
create index relationship_history_closed on relationship_history (closed_run_id) where closed_run_id is not null;

-- The run that began each kind's history for a connector: intervals it opened were held already.
create table history_baselines (
  connector_id text not null references connectors (id) on delete cascade,
  kind         text not null,
  tenant_id    text not null,
  run_id       bigint not null references sync_runs (id),
  primary key (connector_id, kind)
);

-- Every interval with its times and the current names of both ends (names come from the live
-- tables, tombstones included, so a deleted object keeps its name until a data reset).
create view relationship_intervals as
select h.id, h.connector_id, h.tenant_id, h.kind, h.key,
       h.holder_id, h.holder_type,
       coalesce((select u.user_principal_name from users u where u.connector_id = h.connector_id and u.id = h.holder_id),
                (select g.display_name from groups g where g.connector_id = h.connector_id and g.id = h.holder_id),
                (select s.display_name from service_principals s where s.connector_id = h.connector_id and s.id = h.holder_id),
                (select a.display_name from applications a where a.connector_id = h.connector_id and a.id = h.holder_id)) as holder_name,
       h.target_id, h.target_type,
       coalesce((select g.display_name from groups g where g.connector_id = h.connector_id and g.id = h.target_id),
                (select s.display_name from service_principals s where s.connector_id = h.connector_id and s.id = h.target_id),
                (select a.display_name from applications a where a.connector_id = h.connector_id and a.id = h.target_id),
                (select d.display_name from directory_role_definitions d where d.connector_id = h.connector_id and d.id = h.target_id),
                h.detail ->> 'displayName') as target_name,
       h.detail,
       h.opened_run_id,
       opened.finished_at       as valid_from,
       opened_after.finished_at as valid_from_earliest,
       h.closed_run_id,
       closed.finished_at       as valid_to,
       closed_after.finished_at as valid_to_earliest
  from relationship_history h
  join sync_runs opened on opened.id = h.opened_run_id
  left join sync_runs opened_after on opened_after.id = h.opened_after_run_id
  left join sync_runs closed on closed.id = h.closed_run_id
  left join sync_runs closed_after on closed_after.id = h.closed_after_run_id;

-- What each committed run changed: one row per interval it opened ('added') or closed ('removed').
-- A versioned change (a credential's new end date) is a 'removed' and an 'added' of the same key.
create view relationship_changes as
select i.closed_run_id as run_id, i.valid_to as committed_at, i.valid_to_earliest as changed_after, 'removed' as change,
       i.connector_id, i.kind, i.key, i.holder_id, i.holder_type, i.holder_name, i.target_id, i.target_type, i.target_name, i.detail
  from relationship_intervals i
 where i.closed_run_id is not null
union all
select i.opened_run_id, i.valid_from, i.valid_from_earliest, 'added',
       i.connector_id, i.kind, i.key, i.holder_id, i.holder_type, i.holder_name, i.target_id, i.target_type, i.target_name, i.detail
  from relationship_intervals i;

-- What a connector's history says was held at a moment. Runs observe, they do not watch: between
-- two commits a change may have happened at any time. certainty 'held': seen held by a commit at
-- or before the moment and by one at or after it (or still held). 'possibly': the moment falls
-- between the commit that last saw it otherwise and the one that first saw it so, or before
-- history began.
create function relationships_on(p_connector_id text, p_at timestamptz)
returns table (kind text, key text[], holder_id text, holder_type text, holder_name text,
               target_id text, target_type text, target_name text, detail jsonb, certainty text,
               valid_from timestamptz, valid_from_earliest timestamptz, valid_to timestamptz, valid_to_earliest timestamptz,
               opened_run_id bigint, closed_run_id bigint)
language sql stable as $$
  select i.kind, i.key, i.holder_id, i.holder_type, i.holder_name, i.target_id, i.target_type, i.target_name, i.detail,
         case when i.valid_from <= p_at and (i.closed_run_id is null or i.valid_to_earliest >= p_at) then 'held' else 'possibly' end,
         i.valid_from, i.valid_from_earliest, i.valid_to, i.valid_to_earliest, i.opened_run_id, i.closed_run_id
    from relationship_intervals i
   where i.connector_id = p_connector_id
     and (i.valid_from_earliest is null or i.valid_from_earliest < p_at)
     and (i.valid_to is null or i.valid_to > p_at)
$$;

-- Who held a directory role at a moment: the assigned principal, and for a role-assignable group
-- each user or service principal that was its direct member then (as directory_role_members does
-- for the present). A path is only as certain as its weakest interval.
create function directory_role_holders_on(p_connector_id text, p_at timestamptz)
returns table (role_definition_id text, role_name text, directory_scope_id text, app_scope_id text,
               principal_id text, principal_type text, principal_name text,
               granted_via text, via_group_id text, certainty text)
language sql stable as $$
  with held as (select * from relationships_on(p_connector_id, p_at))
  select r.target_id, r.target_name, r.detail ->> 'directoryScopeId', r.detail ->> 'appScopeId',
         r.holder_id, r.holder_type, r.holder_name, 'direct', null::text, r.certainty
    from held r
   where r.kind = 'directory_role'
  union all
  select r.target_id, r.target_name, r.detail ->> 'directoryScopeId', r.detail ->> 'appScopeId',
         m.holder_id, m.holder_type, m.holder_name, 'group', r.holder_id,
         case when r.certainty = 'held' and m.certainty = 'held' then 'held' else 'possibly' end
    from held r
    join held m on m.kind = 'group_member' and m.target_id = r.holder_id
   where r.kind = 'directory_role' and r.holder_type = 'group' and m.holder_type in ('user', 'servicePrincipal')
$$;
