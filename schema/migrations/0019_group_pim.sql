-- PIM for Groups: who is eligible for, or time-bound active in, membership or ownership of a
-- role-assignable group, read every run from privilegedAccess/group/eligibilityScheduleInstances
-- and assignmentScheduleInstances; and the privileged-role views re-created whole so a principal
-- that reaches a role through such a membership shows with granted_via 'groupPim'.

create table staged_group_pim_schedules (
  run_id bigint not null references sync_runs (id) on delete cascade,
  kind   text not null check (kind in ('eligible', 'active')),
  id     text not null,
  data   jsonb not null,
  primary key (run_id, kind, id)
);

create trigger staged_group_pim_schedules_open_run_ins after insert on staged_group_pim_schedules referencing new table as new_rows
  for each statement execute function staging_requires_running_run();
create trigger staged_group_pim_schedules_open_run_upd after update on staged_group_pim_schedules referencing new table as new_rows
  for each statement execute function staging_requires_running_run();

-- One row per schedule instance; (connector_id, kind, id) is the stable key a validity history can hang on.
create table group_pim_schedule_instances (
  connector_id      text not null references connectors (id) on delete cascade,
  kind              text not null check (kind in ('eligible', 'active')),
  id                text not null,
  data              jsonb not null,
  group_id          text generated always as (data ->> 'groupId') stored,
  principal_id      text generated always as (data ->> 'principalId') stored,
  principal_type    text generated always as (replace(data -> 'principal' ->> '@odata.type', '#microsoft.graph.', '')) stored,
  access_id         text generated always as (data ->> 'accessId') stored,
  member_type       text generated always as (data ->> 'memberType') stored,
  assignment_type   text generated always as (data ->> 'assignmentType') stored,
  start_at          timestamptz generated always as (graph_timestamp(data ->> 'startDateTime')) stored,
  end_at            timestamptz generated always as (graph_timestamp(data ->> 'endDateTime')) stored,
  schedule_id       text generated always as (coalesce(data ->> 'eligibilityScheduleId', data ->> 'assignmentScheduleId')) stored,
  first_seen_run_id bigint not null references sync_runs (id),
  primary key (connector_id, kind, id)
);
create index group_pim_schedule_instances_group on group_pim_schedule_instances (connector_id, group_id);

-- Re-created whole, same columns in the same order, one column added at the end. The members of
-- a group holding a role: its direct members, except those whose membership is a time-bound PIM
-- assignment (they show on the PIM path instead, with the membership's end), then every principal
-- eligible for, or time-bound active in, its membership through PIM for Groups. Such a path is
-- active only when both the role and the membership are; its window is where both windows overlap
-- (greatest/least skip nulls: a null end is permanent).
create or replace view directory_role_access_members as
select r.*, 'direct'::text as granted_via, null::text as via_group_id, null::text as via_group_schedule_instance_id
  from directory_role_access r
union all
select r.connector_id, r.assignment_id, r.role_definition_id, r.directory_scope_id, r.app_scope_id,
       m.member_id, m.member_type, r.assignment_state, r.assignment_type, r.start_at, r.end_at, r.schedule_id, r.window_known,
       'group', r.principal_id, null
  from directory_role_access r
  join group_members m on m.connector_id = r.connector_id and m.group_id = r.principal_id
 where r.principal_type = 'group' and m.member_type in ('user', 'servicePrincipal')
   and not exists (select 1 from group_pim_schedule_instances p
                    where p.connector_id = r.connector_id and p.kind = 'active' and p.access_id = 'member'
                      and p.group_id = r.principal_id and p.principal_id = m.member_id)
union all
select r.connector_id, r.assignment_id, r.role_definition_id, r.directory_scope_id, r.app_scope_id,
       p.principal_id, p.principal_type,
       case when r.assignment_state = 'active' and p.kind = 'active' then 'active' else 'eligible' end,
       case when r.assignment_state = 'active' and p.kind = 'active' then r.assignment_type end,
       greatest(r.start_at, p.start_at), least(r.end_at, p.end_at), r.schedule_id,
       case when r.assignment_state = 'active' and p.kind = 'active' then r.window_known else true end,
       'groupPim', r.principal_id, p.id
  from directory_role_access r
  join group_pim_schedule_instances p on p.connector_id = r.connector_id and p.group_id = r.principal_id and p.access_id = 'member'
 where r.principal_type = 'group' and p.principal_type in ('user', 'servicePrincipal');

-- Re-created whole, every column of 0017 in its order, then via_group_schedule_instance_id: the
-- PIM for Groups instance (eligible or time-bound membership) a 'groupPim' path rests on.
create or replace view privileged_role_members as
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
       coalesce(au.display_name, app.display_name) as scope_name,
       m.via_group_schedule_instance_id
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
create or replace view privileged_role_eligibilities as
select connector_id, principal_id, principal_type, principal_name, role_name, role_definition_id,
       directory_scope_id, scope_type, scope_id, scope_name, granted_via, via_group_id, via_group_name,
       start_date_time as eligible_from, end_date_time as eligible_until, assignment_id as eligibility_id, schedule_id,
       via_group_schedule_instance_id
  from privileged_role_members
 where assignment_state = 'eligible';

-- Eligible and time-bound owners of the groups that matter for privilege (role-assignable, or
-- holding a directory role actively or eligibly): an owner can add anyone to the group. Permanent
-- owners stay in privileged_group_owners (from the groups delta).
create view privileged_group_pim_owners as
select p.connector_id, p.group_id, g.display_name as group_name,
       coalesce(g.is_assignable_to_role, false) as role_assignable,
       exists (select 1 from directory_role_access r where r.connector_id = p.connector_id and r.principal_id = p.group_id) as holds_directory_role,
       p.principal_id as owner_id, p.principal_type as owner_type,
       coalesce(u.user_principal_name, sp.display_name) as owner_name,
       case when p.kind = 'eligible' then 'eligible' else 'active_time_bound' end as access,
       p.start_at as start_date_time, p.end_at as end_date_time, p.id as schedule_instance_id, p.schedule_id
  from group_pim_schedule_instances p
  left join groups g on g.connector_id = p.connector_id and g.id = p.group_id
  left join users u on u.connector_id = p.connector_id and u.id = p.principal_id
  left join service_principals sp on sp.connector_id = p.connector_id and sp.id = p.principal_id
 where p.access_id = 'owner';
