-- Group owners (issue 15): who can change a group's membership. Read from the groups delta itself
-- (`owners` selected beside `members`, reported as `owners@delta`), staged and applied like
-- direct memberships.

create table staged_group_owners (
  run_id     bigint not null references sync_runs (id) on delete cascade,
  group_id   text not null,
  owner_id   text not null,
  owner_type text not null,
  removed    boolean not null,
  primary key (run_id, group_id, owner_id)
);

-- Owners as Graph reports them; a row goes when the owner is removed or the group is deleted.
create table group_owners (
  connector_id      text not null references connectors (id) on delete cascade,
  group_id          text not null,
  owner_id          text not null,
  owner_type        text not null,  -- user, servicePrincipal
  first_seen_run_id bigint not null references sync_runs (id),
  primary key (connector_id, group_id, owner_id)
);
create index group_owners_owner on group_owners (connector_id, owner_id);

-- The $select a delta cursor was taken with: Graph encodes it into the cursor, so a cursor taken
-- with another list can never report what the new list adds; the pull re-bootstraps it
-- (resync reason queryChanged). Cursors stored before this migration were taken with the lists
-- below (groups without owners); null means unknown and also re-bootstraps.
alter table delta_cursors add column query_select text;
update delta_cursors set query_select = case stream
  when 'users' then 'id,displayName,givenName,surname,userPrincipalName,mail,userType,accountEnabled,createdDateTime,jobTitle,department,companyName,employeeId,lastPasswordChangeDateTime,onPremisesSyncEnabled,onPremisesImmutableId,onPremisesLastSyncDateTime,externalUserState,creationType'
  when 'groups' then 'id,displayName,description,mail,mailEnabled,mailNickname,securityEnabled,groupTypes,isAssignableToRole,membershipRule,membershipRuleProcessingState,visibility,createdDateTime,onPremisesSyncEnabled,members'
  when 'applications' then 'id,appId,displayName,createdDateTime,signInAudience,publisherDomain,verifiedPublisher,passwordCredentials,keyCredentials,appRoles,requiredResourceAccess,tags'
  when 'servicePrincipals' then 'id,appId,displayName,servicePrincipalType,appOwnerOrganizationId,accountEnabled,appRoleAssignmentRequired,appRoles,passwordCredentials,keyCredentials,publisherName,verifiedPublisher,tags,homepage'
end;

-- Owners of live groups that are role-assignable or hold a directory role: an owner can add
-- anyone to such a group, and so hand out the role.
create view privileged_group_owners as
select o.connector_id,
       o.group_id,
       g.display_name                             as group_name,
       coalesce(g.is_assignable_to_role, false)   as role_assignable,
       exists (select 1 from directory_role_assignments a
                where a.connector_id = o.connector_id and a.principal_id = o.group_id) as holds_directory_role,
       o.owner_id,
       o.owner_type,
       coalesce(u.user_principal_name, sp.display_name) as owner_name
  from group_owners o
  join groups g on g.connector_id = o.connector_id and g.id = o.group_id and g.deleted_at is null
  left join users u on o.owner_type = 'user' and u.connector_id = o.connector_id and u.id = o.owner_id
  left join service_principals sp on o.owner_type = 'servicePrincipal' and sp.connector_id = o.connector_id and sp.id = o.owner_id
 where g.is_assignable_to_role
    or exists (select 1 from directory_role_assignments a where a.connector_id = o.connector_id and a.principal_id = o.group_id);
