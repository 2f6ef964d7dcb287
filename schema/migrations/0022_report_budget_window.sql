-- Report requests may leave in a burst: the slots of an app and tenant's last few report requests
-- are kept, and a new slot comes at least one window after the one that many requests before it
-- (activities/graph/reportBudget.ts). next_at stays the latest slot reserved.
alter table report_request_slots add column recent timestamptz[] not null default '{}';
