-- Connector client secrets, encrypted at rest (AES-256-GCM), and a per-connector sync interval.
-- The plaintext secret is never stored: only the ciphertext, its nonce and authentication tag, and
-- the id of the key that sealed it, so a key rotation can tell old rows from new ones.

create table connector_secrets (
  connector_id text primary key references connectors (id) on delete cascade,
  key_id       text not null,      -- fingerprint of the encryption key (see activities/secretCipher.ts)
  nonce        bytea not null check (octet_length(nonce) = 12),
  ciphertext   bytea not null,
  auth_tag     bytea not null check (octet_length(auth_tag) = 16),
  updated_at   timestamptz not null default now()
);
create index connector_secrets_key on connector_secrets (key_id);

-- Null: the deployment's SYNC_ENTRA_INTERVAL applies.
alter table connectors add column sync_interval_seconds integer check (sync_interval_seconds > 0);
