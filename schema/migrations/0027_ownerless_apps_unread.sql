-- An app or service principal whose owners no committed run has read, because reading them keeps
-- failing (reconcile_failures, migration 0026; a new app Graph refuses), has no owner rows: that
-- says nothing about its owners, so ownerless_apps leaves it out until a read succeeds.
create or replace view ownerless_apps as
select a.connector_id, 'application' as object_type, a.id, a.app_id, a.display_name
  from applications a
 where a.deleted_at is null
   and not exists (select 1 from owners o where o.connector_id = a.connector_id and o.object_type = 'application' and o.object_id = a.id)
   and not exists (select 1 from reconcile_failures f
                    where f.connector_id = a.connector_id and f.object_type = 'application' and f.object_id = a.id
                      and not exists (select 1 from reconcile_reads r where r.connector_id = f.connector_id and r.object_type = f.object_type and r.object_id = f.object_id))
union all
select s.connector_id, 'servicePrincipal', s.id, s.app_id, s.display_name
  from service_principals s
 where s.deleted_at is null
   and not exists (select 1 from owners o where o.connector_id = s.connector_id and o.object_type = 'servicePrincipal' and o.object_id = s.id)
   and not exists (select 1 from reconcile_failures f
                    where f.connector_id = s.connector_id and f.object_type = 'servicePrincipal' and f.object_id = s.id
                      and not exists (select 1 from reconcile_reads r where r.connector_id = f.connector_id and r.object_type = f.object_type and r.object_id = f.object_id));
