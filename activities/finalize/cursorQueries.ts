import type { DeltaStream } from '../../shared/streams';
import { DELTA_QUERIES } from '../graph/deltaQueries';
import type { Queryable } from '../store/database';

/**
 * Records beside a stream's new cursor the $select it was taken with (Graph keeps the query inside
 * the cursor), so a later release that selects more re-bootstraps instead of replaying a cursor
 * that can never report the new properties (activities/graph/cursorQuery.ts).
 */
export async function recordCursorQuery(tx: Queryable, connectorId: string, stream: DeltaStream): Promise<void> {
  await tx.query('update delta_cursors set query_select = $3 where connector_id = $1 and stream = $2', [
    connectorId,
    stream,
    DELTA_QUERIES[stream].select.join(','),
  ]);
}
