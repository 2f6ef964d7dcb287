-- SaaS discovery: which apps people use, from OAuth consent grants and sign-ins.

-- Per run and stream: whether the source could be read (a tenant without Entra ID P1/P2 cannot list sign-ins).
alter table sync_run_streams add column coverage text check (coverage in ('complete', 'unavailable'));
alter table sync_run_streams add column coverage_reason text;

create table staged_discovery (
  run_id bigint not null references sync_runs (id) on delete cascade,
  source text not null check (source in ('grant', 'signIn')),
  id     text not null,
  data   jsonb not null,
  primary key (run_id, source, id)
);

-- One row per app people use; never removed for being absent from one run, only aged by staleness.
create table discovered_apps (
  connector_id         text not null references connectors (id) on delete cascade,
  app_key              text not null,   -- the appId, else the publisher's registrable domain
  display_name         text,
  vendor               text,
  service_principal_id text,            -- the synced service principal, when one matches
  first_seen_at        timestamptz not null,
  last_evidence_at     timestamptz not null,
  first_seen_run_id    bigint not null references sync_runs (id),
  primary key (connector_id, app_key)
);

create table discovery_evidence (
  connector_id  text not null references connectors (id) on delete cascade,
  source_id     text not null,          -- the sign-in or grant id: evidence is stored once
  kind          text not null check (kind in ('sign_in', 'consent_grant')),
  app_key       text not null,
  user_id       text,
  occurred_at   timestamptz,
  scopes        text[],
  consent_type  text,
  data          jsonb not null,
  first_seen_run_id bigint not null references sync_runs (id),
  primary key (connector_id, kind, source_id)
);
create index discovery_evidence_app on discovery_evidence (connector_id, app_key);
create index discovery_evidence_sign_ins on discovery_evidence (connector_id, occurred_at desc) where kind = 'sign_in';

-- Apps with evidence in the last 30 days are in use; older ones are stale, not deleted.
create view discovered_apps_with_status as
select d.*, case when d.last_evidence_at >= now() - interval '30 days' then 'active' else 'stale' end as status
  from discovered_apps d;
