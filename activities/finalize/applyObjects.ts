import type { DeltaStream, StreamMode } from '../../shared/streams';
import type { Queryable } from '../store/database';
import { LIVE_TABLES } from './liveTables';

/**
 * Applies one stream's staged objects onto its live table: upserts, tombstones for removals,
 * and on a bootstrap, tombstones for whatever the full round did not see.
 */
export async function applyStagedObjects(
  tx: Queryable,
  connectorId: string,
  syncRunId: number,
  stream: DeltaStream,
  mode: StreamMode,
): Promise<{ upserted: number; removed: number }> {
  const table = LIVE_TABLES[stream];
  const bootstrap = mode === 'bootstrap';
  // A bootstrap brings whole objects; an incremental round may bring only the changed properties.
  const upserted = await tx.query(
    `insert into ${table} as live (connector_id, id, data, first_seen_run_id, last_changed_run_id)
     select $1, s.object_id, s.data, $2, $2
       from staged_objects s where s.run_id = $2 and s.stream = $3 and s.data is not null
     on conflict (connector_id, id) do update set
       data = case when $4 then excluded.data else live.data || excluded.data end,
       deleted_at = null, deletion_kind = null, last_changed_run_id = $2
     where live.deleted_at is not null
        or live.data is distinct from (case when $4 then excluded.data else live.data || excluded.data end)`,
    [connectorId, syncRunId, stream, bootstrap],
  );
  const removed = await tx.query(
    `insert into ${table} as live (connector_id, id, data, deleted_at, deletion_kind, first_seen_run_id, last_changed_run_id)
     select $1, s.object_id, jsonb_build_object('id', s.object_id), now(),
            case s.removed_reason when 'changed' then 'soft_deleted' else 'hard_deleted' end, $2, $2
       from staged_objects s where s.run_id = $2 and s.stream = $3 and s.data is null
     on conflict (connector_id, id) do update set
       deleted_at = coalesce(live.deleted_at, excluded.deleted_at), deletion_kind = excluded.deletion_kind,
       last_changed_run_id = $2
     where live.deleted_at is null or live.deletion_kind is distinct from excluded.deletion_kind`,
    [connectorId, syncRunId, stream],
  );
  let absent = 0;
  if (bootstrap) {
    const result = await tx.query(
      `update ${table} live set deleted_at = now(), deletion_kind = 'absent', last_changed_run_id = $2
        where live.connector_id = $1 and live.deleted_at is null
          and not exists (select 1 from staged_objects s
                           where s.run_id = $2 and s.stream = $3 and s.object_id = live.id)`,
      [connectorId, syncRunId, stream],
    );
    absent = result.rowCount ?? 0;
  }
  return { upserted: upserted.rowCount ?? 0, removed: (removed.rowCount ?? 0) + absent };
}

/**
 * What the merge would have counted for a stream whose next table was swapped in
 * (swapNextTables.ts): the connector's table was empty, so every staged object is upserted or a
 * removal, and nothing is absent.
 */
export async function stagedObjectCounts(tx: Queryable, syncRunId: number, stream: DeltaStream): Promise<{ upserted: number; removed: number }> {
  const { rows } = await tx.query<{ upserted: number; removed: number }>(
    `select count(*) filter (where data is not null)::int as upserted, count(*) filter (where data is null)::int as removed
       from staged_objects where run_id = $1 and stream = $2`,
    [syncRunId, stream],
  );
  return rows[0]!;
}
