-- Microsoft Graph change-notification subscriptions of each connector (docs/notifications.md).
-- clientState is the only thing Graph echoes that proves a notification came from Graph: it is
-- random (32 bytes), sealed at rest with the key ring that seals client secrets
-- (ENTRA_SYNC_ENCRYPTION_KEY, AES-256-GCM, bound to the connector and subscription) and never stored
-- in plain text.

create table notification_subscriptions (
  subscription_id         text primary key,   -- Graph's subscription id
  connector_id            text not null references connectors (id) on delete cascade,
  resource                text not null,      -- e.g. /users, /groups
  change_types            text[] not null check (cardinality(change_types) > 0),
  expires_at              timestamptz not null,
  client_state_key_id     text not null,      -- fingerprint of the key that sealed the clientState
  client_state_nonce      bytea not null check (octet_length(client_state_nonce) = 12),
  client_state_ciphertext bytea not null,
  client_state_auth_tag   bytea not null check (octet_length(client_state_auth_tag) = 16),
  created_at              timestamptz not null default now(),
  updated_at              timestamptz not null default now()
);
create index notification_subscriptions_connector on notification_subscriptions (connector_id);
create index notification_subscriptions_key on notification_subscriptions (client_state_key_id);
