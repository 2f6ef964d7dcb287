-- A reconcile batch replaces what it staged for its targets (activities/staging/reconcileTargets.ts)
-- by deleting the run's staged app role assignments of those resources first. With only the
-- primary key (run_id, id) each such delete read every assignment the run had staged so far:
-- quadratic in the run, 84.7 s of a 1,000,000-user bootstrap's CPU over its 4,410 batches.
create index staged_app_role_assignments_resource on staged_app_role_assignments (run_id, resource_id);
