import { COLORS, capped, figure, shownSql, type ReportScope, type SectionData } from './reportModel';

const CHART_APPS = 15;

export const APPLICATIONS_SQL = {
  ownerlessApplications: `select count(*) as value from ownerless_apps where connector_id = $1 and object_type = 'application'`,
  ownerlessServicePrincipals: `select count(*) as value from ownerless_apps where connector_id = $1 and object_type = 'servicePrincipal'`,
  ownerless: `
    select object_type, display_name, app_id, id
      from ownerless_apps
     where connector_id = $1
     order by object_type, display_name, id`,
  // Who can reach each enterprise app: a direct assignment, or one to a group they are a direct member of.
  reach: `
    select e.resource_id as service_principal_id, coalesce(sp.display_name, e.resource_id) as app_name,
           sp.app_role_assignment_required as assignment_required,
           count(distinct e.principal_id) filter (where e.principal_type = 'User') as users,
           count(distinct e.principal_id) filter (where e.principal_type = 'User' and e.granted_via = 'group') as users_through_groups,
           count(distinct e.principal_id) filter (where e.principal_type = 'ServicePrincipal') as service_principals
      from effective_entitlements e
      left join service_principals sp on sp.connector_id = e.connector_id and sp.id = e.resource_id
     where e.connector_id = $1
     group by e.resource_id, sp.display_name, sp.app_role_assignment_required
     order by users desc, app_name, service_principal_id`,
  // Assignments whose principal the inventory holds deleted, or never saw.
  dangling: `
    select a.resource_display_name as app_name, a.principal_type, coalesce(a.principal_display_name, a.principal_id) as principal,
           a.principal_id, a.created_at,
           case when coalesce(u.id, g.id, s.id) is null then 'never seen' else 'deleted (' || coalesce(u.deletion_kind, g.deletion_kind, s.deletion_kind) || ')' end as principal_state
      from app_role_assignments a
      left join users u on a.principal_type = 'User' and u.connector_id = a.connector_id and u.id = a.principal_id
      left join groups g on a.principal_type = 'Group' and g.connector_id = a.connector_id and g.id = a.principal_id
      left join service_principals s on a.principal_type = 'ServicePrincipal' and s.connector_id = a.connector_id and s.id = a.principal_id
     where a.connector_id = $1 and (coalesce(u.deleted_at, g.deleted_at, s.deleted_at) is not null or coalesce(u.id, g.id, s.id) is null)
     order by app_name, principal`,
};

export async function applicationsSection(scope: ReportScope): Promise<SectionData> {
  const reach = await capped(scope, {
    id: 'app-reach',
    title: 'Enterprise apps by the users who can reach them (effective entitlements), largest first',
    columns: [
      { key: 'app_name', label: 'enterprise app' },
      { key: 'users', label: 'users', kind: 'number' },
      { key: 'users_through_groups', label: 'of them through a group', kind: 'number' },
      { key: 'service_principals', label: 'service principals', kind: 'number' },
      { key: 'assignment_required', label: 'assignment required' },
      { key: 'service_principal_id', label: 'service principal id' },
    ],
    query: APPLICATIONS_SQL.reach,
    empty: 'No app role assignment reaches anyone.',
  });
  const top = reach.rows.slice(0, CHART_APPS);
  return {
    id: 'applications',
    title: 'Applications',
    intro: 'Apps and service principals nobody owns, enterprise apps by how many users can reach them, and assignments to principals that no longer exist.',
    figures: [
      await figure(scope, 'ownerless-applications', 'app registrations without an owner', APPLICATIONS_SQL.ownerlessApplications),
      await figure(scope, 'ownerless-service-principals', 'service principals without an owner', APPLICATIONS_SQL.ownerlessServicePrincipals),
      { id: 'enterprise-apps-reached', label: 'enterprise apps someone can reach', value: reach.total, sql: shownSql(`select count(*) as value from (${APPLICATIONS_SQL.reach}) q`, scope) },
    ],
    charts: [
      {
        id: 'app-reach-top',
        title: `Users who can reach each app (top ${CHART_APPS})`,
        type: 'bar',
        horizontal: true,
        labels: top.map((r) => String(r.app_name)),
        datasets: [
          { label: 'direct only', data: top.map((r) => Number(r.users) - Number(r.users_through_groups)), color: COLORS.info },
          { label: 'through a group', data: top.map((r) => Number(r.users_through_groups)), color: COLORS.calm },
        ],
        stacked: true,
        sql: reach.sql,
      },
    ],
    tables: [
      reach,
      await capped(scope, {
        id: 'ownerless-apps',
        title: 'Apps and service principals without an owner',
        columns: [
          { key: 'object_type', label: 'type' },
          { key: 'display_name', label: 'name' },
          { key: 'app_id', label: 'app id' },
          { key: 'id', label: 'object id' },
        ],
        query: APPLICATIONS_SQL.ownerless,
        empty: 'Every app and service principal has an owner.',
      }),
      await capped(scope, {
        id: 'dangling-assignments',
        title: 'App role assignments to principals that no longer exist',
        columns: [
          { key: 'app_name', label: 'enterprise app' },
          { key: 'principal_type', label: 'principal type' },
          { key: 'principal', label: 'principal' },
          { key: 'principal_state', label: 'principal is' },
          { key: 'created_at', label: 'assigned', kind: 'time' },
        ],
        query: APPLICATIONS_SQL.dangling,
        empty: 'None: every assignment names a live principal.',
      }),
    ],
    notes: [
      '"of them through a group": users with at least one path through a group; the others are reached by direct assignments only.',
      'Finalize drops the assignments of principals a run saw removed, so dangling assignments are rare: they show principals the inventory never saw (for example from another tenant) or holds deleted.',
    ],
  };
}
