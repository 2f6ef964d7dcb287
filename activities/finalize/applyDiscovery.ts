import type { Counts } from './counts';
import type { Queryable } from '../store/database';

/**
 * Turns staged grants and sign-ins into evidence (each source id stored once) and discovered apps.
 * The app key is the appId; the vendor comes from verifiedPublisher, then the app registration's
 * publisherDomain, then the service principal's publisherName. An app is linked to the synced
 * service principal of the same appId. Apps are never removed for being absent from one run:
 * staleness (discovered_apps_with_status) ages them out.
 */
export async function applyDiscovery(tx: Queryable, connectorId: string, syncRunId: number): Promise<{ grants: Counts; signIns: Counts; apps: Counts }> {
  const grants = await tx.query(
    `insert into discovery_evidence (connector_id, source_id, kind, app_key, user_id, occurred_at, scopes, consent_type, data, first_seen_run_id)
     select $1, s.id, 'consent_grant', coalesce(sp.app_id, s.data ->> 'clientId'), s.data ->> 'principalId', null,
            array_remove(string_to_array(coalesce(s.data ->> 'scope', ''), ' '), ''), s.data ->> 'consentType', s.data, $2
       from staged_discovery s
       left join service_principals sp on sp.connector_id = $1 and sp.id = s.data ->> 'clientId'
      where s.run_id = $2 and s.source = 'grant'
     on conflict (connector_id, kind, source_id) do update set scopes = excluded.scopes, data = excluded.data
     where discovery_evidence.data is distinct from excluded.data`,
    [connectorId, syncRunId],
  );
  const signIns = await tx.query(
    `insert into discovery_evidence (connector_id, source_id, kind, app_key, user_id, occurred_at, data, first_seen_run_id)
     select $1, s.id, 'sign_in', s.data ->> 'appId', s.data ->> 'userId', graph_timestamp(s.data ->> 'createdDateTime'), s.data, $2
       from staged_discovery s where s.run_id = $2 and s.source = 'signIn' and s.data ->> 'appId' is not null
     on conflict (connector_id, kind, source_id) do nothing`,
    [connectorId, syncRunId],
  );
  // Evidence seen in this run: sign-ins at their time; a grant that still exists is evidence now.
  const apps = await tx.query(
    `with seen as (
       select s.data ->> 'appId' as app_key, max(graph_timestamp(s.data ->> 'createdDateTime')) as at,
              max(s.data ->> 'appDisplayName') as name
         from staged_discovery s where s.run_id = $2 and s.source = 'signIn' and s.data ->> 'appId' is not null group by 1
       union all
       select coalesce(sp.app_id, s.data ->> 'clientId'), now(), max(sp.display_name)
         from staged_discovery s
         left join service_principals sp on sp.connector_id = $1 and sp.id = s.data ->> 'clientId'
        where s.run_id = $2 and s.source = 'grant' group by 1
     ), latest as (
       select app_key, max(at) as at, max(name) as name from seen where at is not null group by app_key
     )
     insert into discovered_apps as d (connector_id, app_key, display_name, vendor, service_principal_id, first_seen_at, last_evidence_at, first_seen_run_id)
     select $1, l.app_key, coalesce(sp.display_name, l.name),
            coalesce(sp.data -> 'verifiedPublisher' ->> 'displayName', app.data -> 'verifiedPublisher' ->> 'displayName',
                     app.publisher_domain, sp.publisher_name),
            sp.id, l.at, l.at, $2
       from latest l
       left join lateral (select * from service_principals p where p.connector_id = $1 and p.app_id = l.app_key and p.deleted_at is null limit 1) sp on true
       left join lateral (select * from applications a where a.connector_id = $1 and a.app_id = l.app_key and a.deleted_at is null limit 1) app on true
     on conflict (connector_id, app_key) do update set
       display_name = coalesce(excluded.display_name, d.display_name), vendor = coalesce(excluded.vendor, d.vendor),
       service_principal_id = excluded.service_principal_id, last_evidence_at = greatest(d.last_evidence_at, excluded.last_evidence_at)
     where (d.display_name, d.vendor, d.service_principal_id, d.last_evidence_at)
           is distinct from (coalesce(excluded.display_name, d.display_name), coalesce(excluded.vendor, d.vendor),
                             excluded.service_principal_id, greatest(d.last_evidence_at, excluded.last_evidence_at))`,
    [connectorId, syncRunId],
  );
  return {
    grants: { upserted: grants.rowCount ?? 0, removed: 0 },
    signIns: { upserted: signIns.rowCount ?? 0, removed: 0 },
    apps: { upserted: apps.rowCount ?? 0, removed: 0 },
  };
}
