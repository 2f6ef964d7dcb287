-- Tail mode (issue 28): a tail pass is a sync run of kind 'tail' over a subset of streams; the
-- connector says whether its tail runs and how often its backstop timer fires (null: ENTRA_TAIL_INTERVAL).
alter table sync_runs add column kind text not null default 'full' check (kind in ('full', 'tail'));
alter table connectors add column tail_enabled boolean not null default false;
alter table connectors add column tail_interval_seconds int check (tail_interval_seconds is null or tail_interval_seconds > 0);
-- The pass's finalize and prepare ask "is a full run of this connector running?" under the connector lock.
create index sync_runs_running_by_kind on sync_runs (connector_id, kind) where status = 'running';
