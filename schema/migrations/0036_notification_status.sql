-- Whether change notifications work for each connector, as its subscription manager last found
-- (docs/notifications.md, "Subscriptions"): on, off (and why), or unavailable (and why, and when
-- it tries again). `entra-sync tail status` shows it; the worker writes it, since only the worker
-- knows ENTRA_NOTIFICATION_URL and Graph's answers.

create table notification_status (
  connector_id text primary key references connectors (id) on delete cascade,
  state        text not null check (state in ('on', 'off', 'unavailable')),
  reason       text,                   -- off or unavailable: why, and what to do
  retry_at     timestamptz,            -- unavailable: when the manager tries again
  checked_at   timestamptz not null default now()
);
