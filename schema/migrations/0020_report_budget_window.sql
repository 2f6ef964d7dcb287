-- The reports budget becomes a sliding window (activities/graph/reportBudget.ts): Graph allows 5
-- report requests per 10 s per app and tenant, so up to 5 may go at once and the next waits for
-- the oldest of the last 5 to leave the window. `recent` holds the slots of the last 5 requests
-- of the app and tenant, oldest first; `next_at` stays the latest slot handed out.
alter table report_request_slots add column recent timestamptz[] not null default '{}';
