-- Issue 30, step 3 (docs/bootstrap-swap.md): relationship history partitioned by connector, as
-- users (migration 0039). A partitioned table's primary key must include its partition key, so
-- the key becomes (connector_id, id); ids keep coming from the same sequence, which must not go
-- with the old table's column while the rows move.
alter table relationship_history drop constraint relationship_history_pkey;
alter table relationship_history add constraint relationship_history_pkey primary key (connector_id, id);
alter sequence relationship_history_id_seq owned by none;
select partition_by_connector('relationship_history');
alter sequence relationship_history_id_seq owned by relationship_history.id;
