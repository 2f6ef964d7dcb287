-- PIM for directory roles: eligible assignments and the windows of active ones, read in full every
-- run from roleEligibilityScheduleInstances and roleAssignmentScheduleInstances, the administrative
-- units that scope role assignments, and the posture
-- views that tell, per principal and role, whether it is active (permanent or until when) or
-- eligible (until when), directly or through a role-assignable group, and at which scope.

create table staged_role_schedules (
  run_id bigint not null references sync_runs (id) on delete cascade,
  kind   text not null check (kind in ('eligible', 'active')),
  id     text not null,
  data   jsonb not null,
  primary key (run_id, kind, id)
);

create trigger staged_role_schedules_open_run_ins after insert on staged_role_schedules referencing new table as new_rows
  for each statement execute function staging_requires_running_run();
create trigger staged_role_schedules_open_run_upd after update on staged_role_schedules referencing new table as new_rows
  for each statement execute function staging_requires_running_run();

-- One row per schedule instance; (connector_id, kind, id) is the stable key a validity history can hang on.
create table directory_role_schedule_instances (
  connector_id              text not null references connectors (id) on delete cascade,
  kind                      text not null check (kind in ('eligible', 'active')),
  id                        text not null,
  data                      jsonb not null,
  principal_id              text generated always as (data ->> 'principalId') stored,
  principal_type            text generated always as (replace(data -> 'principal' ->> '@odata.type', '#microsoft.graph.', '')) stored,
  role_definition_id        text generated always as (data ->> 'roleDefinitionId') stored,
  directory_scope_id        text generated always as (data ->> 'directoryScopeId') stored,
  app_scope_id              text generated always as (data ->> 'appScopeId') stored,
  member_type               text generated always as (data ->> 'memberType') stored,
  assignment_type           text generated always as (data ->> 'assignmentType') stored,
  start_at                  timestamptz generated always as (graph_timestamp(data ->> 'startDateTime')) stored,
  end_at                    timestamptz generated always as (graph_timestamp(data ->> 'endDateTime')) stored,
  schedule_id               text generated always as (coalesce(data ->> 'roleEligibilityScheduleId', data ->> 'roleAssignmentScheduleId')) stored,
  role_assignment_origin_id text generated always as (data ->> 'roleAssignmentOriginId') stored,
  first_seen_run_id         bigint not null references sync_runs (id),
  primary key (connector_id, kind, id)
);
create index directory_role_schedule_instances_origin on directory_role_schedule_instances (connector_id, role_assignment_origin_id) where kind = 'active';

-- Administrative units, read in full every run: they name the scopes of role assignments.
create table staged_administrative_units (
  run_id bigint not null references sync_runs (id) on delete cascade,
  id     text not null,
  data   jsonb not null,
  primary key (run_id, id)
);
create trigger staged_administrative_units_open_run_ins after insert on staged_administrative_units referencing new table as new_rows
  for each statement execute function staging_requires_running_run();
create trigger staged_administrative_units_open_run_upd after update on staged_administrative_units referencing new table as new_rows
  for each statement execute function staging_requires_running_run();

create table administrative_units (
  connector_id      text not null references connectors (id) on delete cascade,
  id                text not null,
  data              jsonb not null,
  display_name      text generated always as (data ->> 'displayName') stored,
  first_seen_run_id bigint not null references sync_runs (id),
  primary key (connector_id, id)
);

-- Active assignments (roleAssignments is the authority for what is active) with their PIM window
-- when it was read, and eligibilities. window_known is false when the run could not read the
-- active windows (no licence, no permission): then nobody can tell permanent from time-bound.
create view directory_role_access as
select a.connector_id, a.id as assignment_id, a.role_definition_id, a.directory_scope_id, a.app_scope_id,
       a.principal_id, a.principal_type, 'active'::text as assignment_state,
       w.assignment_type, w.start_at, w.end_at, w.schedule_id, w.id is not null as window_known
  from directory_role_assignments a
  left join lateral (select s.id, s.assignment_type, s.start_at, s.end_at, s.schedule_id
                       from directory_role_schedule_instances s
                      where s.connector_id = a.connector_id and s.kind = 'active' and s.role_assignment_origin_id = a.id
                      order by s.end_at desc nulls first limit 1) w on true
union all
select e.connector_id, e.id, e.role_definition_id, e.directory_scope_id, e.app_scope_id,
       e.principal_id, e.principal_type, 'eligible', null, e.start_at, e.end_at, e.schedule_id, true
  from directory_role_schedule_instances e
 where e.kind = 'eligible';

-- The holders, and for a role-assignable group its direct members (such groups cannot nest).
create view directory_role_access_members as
select r.*, 'direct'::text as granted_via, null::text as via_group_id
  from directory_role_access r
union all
select r.connector_id, r.assignment_id, r.role_definition_id, r.directory_scope_id, r.app_scope_id,
       m.member_id, m.member_type, r.assignment_state, r.assignment_type, r.start_at, r.end_at, r.schedule_id, r.window_known,
       'group', r.principal_id
  from directory_role_access r
  join group_members m on m.connector_id = r.connector_id and m.group_id = r.principal_id
 where r.principal_type = 'group' and m.member_type in ('user', 'servicePrincipal');

-- Re-created whole: the columns of 0009 first, in their order (README's queries keep working),
-- then what PIM adds. access: active_permanent, active_time_bound (until end_date_time),
-- active (its window was not read), eligible (until end_date_time, or permanently when null).
drop view privileged_role_members;
create view privileged_role_members as
select m.connector_id, m.assignment_id, coalesce(d.display_name, m.role_definition_id) as role_name, m.role_definition_id, d.template_id,
       m.directory_scope_id, m.app_scope_id, m.principal_id, m.principal_type, m.granted_via, m.via_group_id,
       coalesce(u.user_principal_name, sp.display_name) as principal_name,
       m.assignment_state,
       case when m.assignment_state = 'eligible' then 'eligible'
            when not m.window_known then 'active'
            when m.end_at is null then 'active_permanent'
            else 'active_time_bound' end as access,
       m.assignment_type,
       m.start_at as start_date_time,
       m.end_at as end_date_time,
       m.schedule_id,
       g.display_name as via_group_name,
       case when m.directory_scope_id = '/' then 'tenant'
            when m.directory_scope_id like '/administrativeUnits/%' then 'administrativeUnit'
            else 'application' end as scope_type,
       case when m.directory_scope_id like '/administrativeUnits/%' then substr(m.directory_scope_id, length('/administrativeUnits/') + 1)
            when m.directory_scope_id <> '/' then substr(m.directory_scope_id, 2) end as scope_id,
       coalesce(au.display_name, app.display_name) as scope_name
  from directory_role_access_members m
  left join directory_role_definitions d on d.connector_id = m.connector_id and d.id = m.role_definition_id
  left join users u on u.connector_id = m.connector_id and u.id = m.principal_id
  left join service_principals sp on sp.connector_id = m.connector_id and sp.id = m.principal_id
  left join groups g on g.connector_id = m.connector_id and g.id = m.via_group_id
  left join applications app on app.connector_id = m.connector_id and m.directory_scope_id = '/' || app.id
  left join administrative_units au on au.connector_id = m.connector_id and m.directory_scope_id = '/administrativeUnits/' || au.id
 where coalesce(d.template_id, m.role_definition_id) in (
   '62e90394-69f5-4237-9190-012177145e10', -- Global Administrator
   'e8611ab8-c189-46e8-94e1-60213ab1f814', -- Privileged Role Administrator
   '7be44c8a-adaf-4e2a-84d6-ab2649e08a13', -- Privileged Authentication Administrator
   '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', -- Application Administrator
   '158c047a-c907-4556-b7ef-446551a6b5f7', -- Cloud Application Administrator
   'fe930be7-5e62-47db-91af-98c3a49a38b1', -- User Administrator
   '29232cdf-9323-42fd-ade2-1d097af3e4de', -- Exchange Administrator
   '194ae4cb-b126-40b2-bd5b-6091b380977d', -- Security Administrator
   'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', -- Conditional Access Administrator
   'c4e39bd9-1100-46d3-8c65-fb160da0071f'  -- Authentication Administrator
 );

-- Who can become privileged: every eligible path to a privileged role, directly or through a group.
create view privileged_role_eligibilities as
select connector_id, principal_id, principal_type, principal_name, role_name, role_definition_id,
       directory_scope_id, scope_type, scope_id, scope_name, granted_via, via_group_id, via_group_name,
       start_date_time as eligible_from, end_date_time as eligible_until, assignment_id as eligibility_id, schedule_id
  from privileged_role_members
 where assignment_state = 'eligible';
