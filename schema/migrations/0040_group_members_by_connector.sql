-- Issue 30, step 3 (docs/bootstrap-swap.md): group memberships partitioned by connector, as users
-- (migration 0039). group_members_transitive, which reads it, is created again unchanged.
select partition_by_connector('group_members');
