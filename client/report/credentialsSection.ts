import { COLORS, capped, figure, rowsOf, shownSql, type ReportScope, type SectionData } from './reportModel';

const TIMELINE_DAYS = 90;
const DAY_MS = 86_400_000;

// Owners of the app or service principal a credential belongs to, by name: the first five, and how many more.
const OWNERS = `(select string_agg(x.name, ', ' order by x.name) || case when max(x.total) > 5 then ' and ' || (max(x.total) - 5) || ' more' else '' end
              from (select coalesce(u.user_principal_name, s.display_name, o.owner_id) as name, count(*) over () as total
                      from owners o
                      left join users u on u.connector_id = o.connector_id and u.id = o.owner_id
                      left join service_principals s on s.connector_id = o.connector_id and s.id = o.owner_id
                     where o.connector_id = c.connector_id and o.object_type = c.owner_type and o.object_id = c.owner_id
                     order by 1 limit 5) x)`;

/** Long-lived: a secret valid for more than a year from its start (decision: docs/operations.md, "Posture report"). */
export const CREDENTIALS_SQL = {
  expired: `select count(*) as value from app_credentials where connector_id = $1 and status = 'expired'`,
  expiring30: `select count(*) as value from app_credentials where connector_id = $1 and status = 'expiring'`,
  expiring90: `
    select count(*) as value from app_credentials
     where connector_id = $1 and ends_at > now() and ends_at <= now() + interval '${TIMELINE_DAYS} days'`,
  timeline: `
    select to_char(ends_at at time zone 'UTC', 'YYYY-MM-DD') as day, kind, count(*) as n
      from app_credentials
     where connector_id = $1 and ends_at > now() and ends_at <= now() + interval '${TIMELINE_DAYS} days'
     group by 1, 2 order by 1, 2`,
  list: `
    select c.ends_at, c.status, c.owner_type, coalesce(c.owner_name, c.owner_id) as owner_name, c.kind, c.display_name,
           ${OWNERS} as owners
      from app_credentials c
     where c.connector_id = $1 and c.ends_at <= now() + interval '${TIMELINE_DAYS} days'
     order by c.ends_at <= now(), case when c.ends_at > now() then c.ends_at end, c.ends_at desc`,
  longLived: `
    select c.owner_type, coalesce(c.owner_name, c.owner_id) as owner_name, c.display_name, c.starts_at, c.ends_at,
           round(extract(epoch from c.ends_at - c.starts_at) / 86400) as days_valid, ${OWNERS} as owners
      from app_credentials c
     where c.connector_id = $1 and c.kind = 'password' and c.status <> 'expired' and c.ends_at - c.starts_at > interval '365 days'
     order by c.ends_at - c.starts_at desc, owner_name`,
  longLivedCount: `
    select count(*) as value from app_credentials c
     where c.connector_id = $1 and c.kind = 'password' and c.status <> 'expired' and c.ends_at - c.starts_at > interval '365 days'`,
  audit: `
    select activity_at, activity_display_name as activity, result, actor_type, actor_name, target_type, target_name,
           array_to_string(key_ids, ', ') as key_ids
      from credential_audit_events
     where connector_id = $1 and activity_at >= $2
     order by activity_at desc, id`,
  auditCount: `select count(*) as value from credential_audit_events where connector_id = $1 and activity_at >= $2`,
};

export async function credentialsSection(scope: ReportScope): Promise<SectionData> {
  const timeline = await rowsOf<{ day: string; kind: string; n: string }>(scope, CREDENTIALS_SQL.timeline);
  const today = Date.now();
  const days = Array.from({ length: TIMELINE_DAYS + 1 }, (_, i) => new Date(today + i * DAY_MS).toISOString().slice(0, 10));
  const perDay = (kind: string) => days.map((day) => Number(timeline.find((r) => r.day === day && r.kind === kind)?.n ?? 0));
  return {
    id: 'credentials',
    title: 'Credentials',
    intro: 'Secrets and certificates of applications and service principals: expired, expiring in the next 90 days, long-lived secrets, and the credential changes of the period from the audit log.',
    figures: [
      await figure(scope, 'credentials-expired', 'expired', CREDENTIALS_SQL.expired),
      await figure(scope, 'credentials-expiring-30d', 'expiring within 30 days', CREDENTIALS_SQL.expiring30),
      await figure(scope, 'credentials-expiring-90d', 'expiring within 90 days', CREDENTIALS_SQL.expiring90),
      await figure(scope, 'credentials-long-lived', 'secrets valid for more than a year', CREDENTIALS_SQL.longLivedCount),
      await figure(scope, 'credential-audit-events', 'credential audit events in the period', CREDENTIALS_SQL.auditCount),
    ],
    charts: [
      {
        id: 'credentials-timeline',
        title: 'Expiring per day, next 90 days (UTC)',
        type: 'bar',
        stacked: true,
        labels: days,
        datasets: [
          { label: 'secrets', data: perDay('password'), color: COLORS.warning },
          { label: 'certificates', data: perDay('certificate'), color: COLORS.info },
        ],
        yTitle: 'credentials',
        sql: shownSql(CREDENTIALS_SQL.timeline, scope),
      },
    ],
    tables: [
      await capped(scope, {
        id: 'credentials-expiring',
        title: 'Expiring in the next 90 days (soonest first), then expired (latest first)',
        columns: [
          { key: 'ends_at', label: 'ends', kind: 'time' },
          { key: 'status', label: 'status' },
          { key: 'owner_type', label: 'of' },
          { key: 'owner_name', label: 'app / service principal' },
          { key: 'kind', label: 'kind' },
          { key: 'display_name', label: 'credential' },
          { key: 'owners', label: 'owners' },
        ],
        query: CREDENTIALS_SQL.list,
        empty: 'No credential expired or expiring in the next 90 days.',
      }),
      await capped(scope, {
        id: 'credentials-long-lived',
        title: 'Secrets valid for more than a year',
        columns: [
          { key: 'owner_type', label: 'of' },
          { key: 'owner_name', label: 'app / service principal' },
          { key: 'display_name', label: 'secret' },
          { key: 'starts_at', label: 'starts', kind: 'time' },
          { key: 'ends_at', label: 'ends', kind: 'time' },
          { key: 'days_valid', label: 'days valid', kind: 'number' },
          { key: 'owners', label: 'owners' },
        ],
        query: CREDENTIALS_SQL.longLived,
        empty: 'No secret is valid for more than a year.',
      }),
      await capped(scope, {
        id: 'credential-audit',
        title: 'Credential changes of the period (audit log)',
        columns: [
          { key: 'activity_at', label: 'when', kind: 'time' },
          { key: 'activity', label: 'activity' },
          { key: 'result', label: 'result' },
          { key: 'actor_type', label: 'actor type' },
          { key: 'actor_name', label: 'by' },
          { key: 'target_type', label: 'target type' },
          { key: 'target_name', label: 'target' },
          { key: 'key_ids', label: 'key ids' },
        ],
        query: CREDENTIALS_SQL.audit,
        empty: 'No credential audit event in the period.',
      }),
    ],
    notes: [],
  };
}
