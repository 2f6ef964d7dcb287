-- The posture views keep a row whose definition (directory role definition, enterprise app, app
-- role) was not read, for lack of permission or because its stream failed: they name it by its id
-- instead of dropping it. Same columns as before, so `create or replace` keeps dependent views.

create or replace view app_access as
select e.connector_id,
       e.resource_id                    as app_id,
       coalesce(sp.display_name, e.resource_id) as app_name,
       e.principal_type,
       e.principal_id,
       coalesce(u.user_principal_name, p.display_name) as principal_name,
       e.app_role_id,
       coalesce(role.value ->> 'displayName', case when e.app_role_id = '00000000-0000-0000-0000-000000000000' then 'Default access' end, e.app_role_id) as app_role,
       e.granted_via,
       nullif(e.via_group_id, '')       as via_group_id,
       g.display_name                   as via_group_name
  from effective_entitlements e
  left join service_principals sp on sp.connector_id = e.connector_id and sp.id = e.resource_id
  left join users u on e.principal_type = 'User' and u.connector_id = e.connector_id and u.id = e.principal_id
  left join service_principals p on e.principal_type = 'ServicePrincipal' and p.connector_id = e.connector_id and p.id = e.principal_id
  left join groups g on g.connector_id = e.connector_id and g.id = nullif(e.via_group_id, '')
  left join lateral (select r from jsonb_array_elements(coalesce(sp.data -> 'appRoles', '[]'::jsonb)) r
                      where r ->> 'id' = e.app_role_id limit 1) role(value) on true;

create or replace view directory_role_members as
select a.connector_id, a.id as assignment_id, coalesce(d.display_name, a.role_definition_id) as role_name, a.role_definition_id, d.template_id,
       a.directory_scope_id, a.app_scope_id,
       a.principal_id, a.principal_type, 'direct' as granted_via, null::text as via_group_id
  from directory_role_assignments a
  left join directory_role_definitions d on d.connector_id = a.connector_id and d.id = a.role_definition_id
union all
select a.connector_id, a.id, coalesce(d.display_name, a.role_definition_id), a.role_definition_id, d.template_id,
       a.directory_scope_id, a.app_scope_id,
       m.member_id, m.member_type, 'group', a.principal_id
  from directory_role_assignments a
  left join directory_role_definitions d on d.connector_id = a.connector_id and d.id = a.role_definition_id
  join group_members m on m.connector_id = a.connector_id and m.group_id = a.principal_id
 where a.principal_type = 'group' and m.member_type in ('user', 'servicePrincipal');

-- A built-in role's definition id is its template id, so an assignment whose definition was not
-- read still matches by that id.
create or replace view privileged_role_members as
select m.*, coalesce(u.user_principal_name, sp.display_name) as principal_name
  from directory_role_members m
  left join users u on u.connector_id = m.connector_id and u.id = m.principal_id
  left join service_principals sp on sp.connector_id = m.connector_id and sp.id = m.principal_id
 where coalesce(m.template_id, m.role_definition_id) in (
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
