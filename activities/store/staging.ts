import type { DeltaStream } from '../../workflows/streams';
import { removedReason, type GraphObject } from '../graph/deltaPages';
import type { Queryable } from './database';

type StagedRow = { id: string; data: GraphObject | null; removedReason: string | null };

/**
 * Folds repeated occurrences of an object into one, in page order: a removal wins outright;
 * a later partial object is laid over an earlier one, as Graph sends only changed properties.
 */
function foldOccurrences(objects: GraphObject[]): StagedRow[] {
  const rows = new Map<string, StagedRow>();
  for (const object of objects) {
    const reason = removedReason(object);
    const previous = rows.get(object.id);
    if (reason) rows.set(object.id, { id: object.id, data: null, removedReason: reason });
    else rows.set(object.id, { id: object.id, data: previous?.data ? { ...previous.data, ...object } : object, removedReason: null });
  }
  return [...rows.values()];
}

/** Stages one page. Replaying a page (a resumed attempt) leaves the staging as it was. */
export async function stagePage(db: Queryable, runId: number, stream: DeltaStream, objects: GraphObject[]): Promise<number> {
  const rows = foldOccurrences(objects);
  if (rows.length === 0) return 0;
  await db.query(
    `insert into staged_objects (run_id, stream, object_id, data, removed_reason)
     select $1, $2, s.id, s.data, s.reason
       from unnest($3::text[], $4::jsonb[], $5::text[]) as s(id, data, reason)
     on conflict (run_id, stream, object_id) do update set
       data = case when excluded.data is null or staged_objects.data is null then excluded.data
                   else staged_objects.data || excluded.data end,
       removed_reason = excluded.removed_reason`,
    [runId, stream, rows.map((r) => r.id), rows.map((r) => (r.data ? JSON.stringify(r.data) : null)), rows.map((r) => r.removedReason)],
  );
  return rows.length;
}

export async function clearStagedStream(db: Queryable, runId: number, stream: DeltaStream): Promise<void> {
  await db.query('delete from staged_objects where run_id = $1 and stream = $2', [runId, stream]);
}
