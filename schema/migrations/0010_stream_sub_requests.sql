-- Per run and stream: the JSON batch sub-requests it sent (owners, app role assignments), beside
-- its HTTP requests; throttled counts the 429s of both.
alter table sync_run_streams add column sub_requests integer not null default 0;
