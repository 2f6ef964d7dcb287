-- The one attempt of a pull activity that may write a stream's staging: its Temporal run, activity
-- id and attempt number. Each attempt claims it when it starts; every staging write and delete of
-- the pull, and the record of the finished pull, lock the row and check it in their transaction,
-- so an attempt that Temporal gave up on (a heartbeat timeout) but that still runs can neither
-- wipe nor overwrite what its successor staged (docs/run-lifecycle.md, issue 25 item A).
alter table sync_run_streams add column attempt_lease text;
