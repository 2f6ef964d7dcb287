-- The tombstones of each object table, on their own. History and entitlements ask, per holder,
-- "is this object deleted in our copy?" (activities/finalize/historySources.ts, notTombstoned):
-- the planner answers it by collecting the connector's tombstones once, and without these
-- indexes that meant reading every row of the table (80 ms per question at 100,000 users, in an
-- incremental run that touched a few hundred objects). Tombstones are few beside live rows.
create index users_tombstones on users (connector_id, id) where deleted_at is not null;
create index groups_tombstones on groups (connector_id, id) where deleted_at is not null;
create index service_principals_tombstones on service_principals (connector_id, id) where deleted_at is not null;
