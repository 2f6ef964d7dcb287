import type { GraphObject } from '../graph/deltaPages';
import type { Queryable } from '../store/database';

/** Staging tables keyed by (run_id, [kind column,] id) holding Graph objects as they came. */
export type DocumentStaging =
  | { table: 'staged_audit_events' }
  | { table: 'staged_administrative_units' }
  | { table: 'staged_directory_roles'; kindColumn: 'kind'; kind: 'definition' | 'assignment' }
  | { table: 'staged_role_schedules'; kindColumn: 'kind'; kind: 'eligible' | 'active' }
  | { table: 'staged_group_pim_schedules'; kindColumn: 'kind'; kind: 'eligible' | 'active' }
  | { table: 'staged_discovery'; kindColumn: 'source'; kind: 'grant' | 'signIn' };

/** Stages a page of objects; a replayed page overwrites itself. */
export async function stageDocuments(db: Queryable, syncRunId: number, target: DocumentStaging, objects: GraphObject[]): Promise<void> {
  if (objects.length === 0) return;
  const kind = 'kindColumn' in target ? { column: `${target.kindColumn}, `, value: '$4, ' } : { column: '', value: '' };
  await db.query(
    `insert into ${target.table} (run_id, ${kind.column}id, data)
     select $1, ${kind.value}o.i, o.d from unnest($2::text[], $3::jsonb[]) o(i, d)
     on conflict (run_id, ${kind.column}id) do update set data = excluded.data`,
    [syncRunId, objects.map((o) => o.id), objects.map((o) => JSON.stringify(o)), ...('kindColumn' in target ? [target.kind] : [])],
  );
}

/** Drops what a pull staged into `target` (only its kind when one is given). */
export async function clearDocuments(db: Queryable, syncRunId: number, target: DocumentStaging | { table: DocumentStaging['table'] }): Promise<void> {
  if ('kindColumn' in target) await db.query(`delete from ${target.table} where run_id = $1 and ${target.kindColumn} = $2`, [syncRunId, target.kind]);
  else await db.query(`delete from ${target.table} where run_id = $1`, [syncRunId]);
}
