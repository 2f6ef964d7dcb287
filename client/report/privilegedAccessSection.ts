import { COLORS, capped, figure, rowsOf, shownSql, type ReportScope, type SectionData } from './reportModel';

// The privileged roles of privileged_role_members (migration 0019), for the history, which keeps
// roles by definition id: a built-in role's definition id is its template id.
const PRIVILEGED_TEMPLATES = `(
         '62e90394-69f5-4237-9190-012177145e10', 'e8611ab8-c189-46e8-94e1-60213ab1f814', '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
         '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', '158c047a-c907-4556-b7ef-446551a6b5f7', 'fe930be7-5e62-47db-91af-98c3a49a38b1',
         '29232cdf-9323-42fd-ade2-1d097af3e4de', '194ae4cb-b126-40b2-bd5b-6091b380977d', 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
         'c4e39bd9-1100-46d3-8c65-fb160da0071f')`;

/** Holders are users and service principals: a group holding a role shows through its members. */
export const PRIVILEGED_SQL = {
  principals: `
    select count(distinct principal_id) as value
      from privileged_role_members
     where connector_id = $1 and principal_type in ('user', 'servicePrincipal')`,
  perRole: `
    select role_name,
           count(distinct principal_id) as holders,
           count(distinct principal_id) filter (where access <> 'eligible') as active,
           count(distinct principal_id) filter (where access = 'eligible') as eligible,
           count(distinct principal_id) filter (where access = 'active_permanent') as permanent,
           count(distinct principal_id) filter (where access = 'active_time_bound') as time_bound,
           count(distinct principal_id) filter (where access = 'active') as window_unread,
           count(distinct principal_id) filter (where granted_via = 'direct') as direct,
           count(distinct principal_id) filter (where granted_via = 'group') as via_group,
           count(distinct principal_id) filter (where granted_via = 'groupPim') as via_group_pim,
           count(distinct principal_id) filter (where scope_type <> 'tenant') as scoped
      from privileged_role_members
     where connector_id = $1 and principal_type in ('user', 'servicePrincipal')
     group by role_name
     order by holders desc, role_name`,
  holders: `
    select role_name, coalesce(principal_name, principal_id) as principal, principal_type,
           case granted_via when 'direct' then 'direct' when 'group' then 'role-assignable group' else 'PIM for Groups' end as how,
           via_group_name,
           case access when 'eligible' then 'PIM eligible' when 'active_time_bound' then 'PIM active (time-bound)'
                       when 'active_permanent' then 'permanent' else 'active (window not read)' end as access,
           end_date_time as until,
           case scope_type when 'tenant' then 'tenant-wide' else scope_type || ': ' || coalesce(scope_name, scope_id) end as scope
      from privileged_role_members
     where connector_id = $1 and principal_type in ('user', 'servicePrincipal')
     order by role_name, principal, access`,
  // Changes of the period: role assignments and eligibilities of privileged roles, and memberships
  // of groups that hold a privileged role now. A run's first look (its baseline) is no change.
  changes: `
    select c.committed_at, c.changed_after,
           case c.change when 'added' then 'became privileged' else 'lost privilege' end as change,
           coalesce(c.holder_name, c.holder_id) as principal, c.holder_type as principal_type,
           case c.kind when 'directory_role' then 'active assignment' when 'directory_role_eligible' then 'PIM eligibility'
                       else 'member of ' || coalesce(c.target_name, c.target_id) end as how,
           case when c.kind = 'group_member'
                then (select string_agg(distinct p.role_name, ', ') from privileged_role_members p
                       where p.connector_id = c.connector_id and p.principal_id = c.target_id and p.granted_via = 'direct')
                else coalesce(c.target_name, c.target_id) end as role_name
      from relationship_changes c
      left join directory_role_definitions d on d.connector_id = c.connector_id and d.id = c.target_id
     where c.connector_id = $1
       and c.run_id in (select id from sync_runs where connector_id = $1 and status = 'succeeded' and finished_at >= $2)
       and not (c.change = 'added' and c.changed_after is null)
       and not exists (select 1 from relationship_changes o   -- a new end date of the same access is no change
                        where o.connector_id = c.connector_id and o.run_id = c.run_id and o.kind = c.kind and o.key = c.key and o.change <> c.change)
       and (   (c.kind in ('directory_role', 'directory_role_eligible') and coalesce(d.template_id, c.target_id) in ${PRIVILEGED_TEMPLATES})
            or (c.kind = 'group_member' and c.target_id in (select principal_id from privileged_role_members
                                                           where connector_id = $1 and principal_type = 'group' and granted_via = 'direct')))
     order by c.committed_at desc, principal`,
};

export async function privilegedAccessSection(scope: ReportScope): Promise<SectionData> {
  const perRole = await rowsOf<Record<string, string>>(scope, PRIVILEGED_SQL.perRole);
  const counts = perRole.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'role_name' ? v : Number(v)])));
  const shownPerRole = shownSql(PRIVILEGED_SQL.perRole, scope);
  const series = (key: string) => counts.map((r) => r[key] as number);
  return {
    id: 'privileged-access',
    title: 'Privileged access',
    intro: 'Who holds each privileged directory role, and how: directly, through a role-assignable group, or through PIM (eligible, or active until a date), tenant-wide or scoped.',
    figures: [await figure(scope, 'privileged-principals', 'users and service principals with privileged access', PRIVILEGED_SQL.principals)],
    charts: [
      {
        id: 'privileged-per-role',
        title: 'Holders per role, by access (a holder with two kinds of access counts in both)',
        type: 'bar',
        horizontal: true,
        stacked: true,
        labels: counts.map((r) => String(r.role_name)),
        datasets: [
          { label: 'permanent', data: series('permanent'), color: COLORS.danger },
          { label: 'PIM active (time-bound)', data: series('time_bound'), color: COLORS.warning },
          { label: 'PIM eligible', data: series('eligible'), color: COLORS.info },
          { label: 'active (PIM window not read)', data: series('window_unread'), color: COLORS.neutral },
        ].filter((d, i) => i < 3 || d.data.some((n) => n)),
        sql: shownPerRole,
      },
    ],
    tables: [
      {
        id: 'privileged-role-counts',
        title: 'Per role: distinct holders, by how they hold it',
        columns: [
          { key: 'role_name', label: 'role' },
          { key: 'holders', label: 'holders', kind: 'number' },
          { key: 'active', label: 'active', kind: 'number' },
          { key: 'eligible', label: 'PIM eligible', kind: 'number' },
          { key: 'permanent', label: 'permanent', kind: 'number' },
          { key: 'time_bound', label: 'PIM active (time-bound)', kind: 'number' },
          { key: 'direct', label: 'direct', kind: 'number' },
          { key: 'via_group', label: 'via role-assignable group', kind: 'number' },
          { key: 'via_group_pim', label: 'via PIM for Groups', kind: 'number' },
          { key: 'scoped', label: 'scoped', kind: 'number' },
        ],
        rows: counts,
        total: counts.length,
        sql: shownPerRole,
        empty: 'No privileged role holders.',
      },
      await capped(scope, {
        id: 'privileged-holders',
        title: 'Holders',
        columns: [
          { key: 'role_name', label: 'role' },
          { key: 'principal', label: 'principal' },
          { key: 'principal_type', label: 'type' },
          { key: 'how', label: 'how' },
          { key: 'via_group_name', label: 'via group' },
          { key: 'access', label: 'access' },
          { key: 'until', label: 'until', kind: 'time' },
          { key: 'scope', label: 'scope' },
        ],
        query: PRIVILEGED_SQL.holders,
        empty: 'No privileged role holders.',
      }),
      await capped(scope, {
        id: 'privileged-changes',
        title: 'Became privileged or lost it in the period',
        columns: [
          { key: 'committed_at', label: 'seen at (commit)', kind: 'time' },
          { key: 'changed_after', label: 'changed after', kind: 'time' },
          { key: 'change', label: 'change' },
          { key: 'principal', label: 'principal' },
          { key: 'principal_type', label: 'type' },
          { key: 'how', label: 'how' },
          { key: 'role_name', label: 'role' },
        ],
        query: PRIVILEGED_SQL.changes,
        empty: 'No change of privileged access in the period.',
      }),
    ],
    notes: ['A change happened between "changed after" (the previous commit) and "seen at" (the commit that first saw it): runs observe, they do not watch (docs/history.md).'],
  };
}
