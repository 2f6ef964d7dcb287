-- What the notification receiver accepted (docs/notifications.md): one row per notification,
-- written from the receiver's local spool, exactly once (the dedupe key), and nothing of the
-- notification's content beyond which subscription and connector it woke and what kind it was. A
-- notification is a trigger; the tail's delta query is the data.

create table notification_receipts (
  dedupe_key      text primary key,      -- sha256 of Graph's notification identity (see receiver/receipt.ts)
  connector_id    text not null,         -- no foreign key: a receipt may outlive a deleted connector until pruned
  subscription_id text not null,
  event           text not null check (event in ('changed', 'reauthorizationRequired', 'subscriptionRemoved', 'missed')),
  received_at     timestamptz not null,  -- when the receiver accepted it (its clock)
  recorded_at     timestamptz not null default now(),
  signalled_at    timestamptz,           -- when the connector's tail was signalled for it; null = still to signal
  handled_at      timestamptz            -- lifecycle events: when the subscription manager acted on it
);
create index notification_receipts_unsignalled on notification_receipts (connector_id) where signalled_at is null;
create index notification_receipts_lifecycle_open on notification_receipts (connector_id, subscription_id)
  where event <> 'changed' and handled_at is null;
create index notification_receipts_received on notification_receipts (received_at);
