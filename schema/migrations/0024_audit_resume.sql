-- A forward audit read cut short by the run's page budget continues next run where it stopped
-- (resume_at, the time of the newest event it read), instead of re-reading the overlap before
-- high: a window holding more events than the budget would otherwise be read again every run and
-- never passed. Null while the query's last forward read finished. Finalize alone writes it.
alter table audit_sources add column resume_at timestamptz;
alter table audit_sources add constraint audit_sources_resume_check check (resume_at is null or resume_at <= high);

-- How far each audit query's forward edge is behind the run's upper bound after the run, in
-- seconds ({"<query>": seconds}): a stream that falls behind says so in the run summary.
alter table sync_run_streams add column audit_lag jsonb;
