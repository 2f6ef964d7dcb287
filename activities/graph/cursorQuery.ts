import type { DeltaStream } from '../../shared/streams';
import { DELTA_QUERIES } from './deltaQueries';

/**
 * Whether a stored cursor was taken with the $select the connector asks for now. Graph encodes the
 * initial query into every nextLink and deltaLink, so a cursor taken before `owners` joined the
 * groups query never reports owners: such a cursor re-bootstraps (`queryChanged`). Order does not
 * matter; an unknown query (null) counts as changed, since completeness beats one saved round.
 */
export function cursorQueryMatches(stream: DeltaStream, recordedSelect: string | null): boolean {
  if (recordedSelect === null) return false;
  const recorded = new Set(recordedSelect.split(',').map((name) => name.trim()).filter((name) => name !== ''));
  const wanted = DELTA_QUERIES[stream].select;
  return recorded.size === wanted.length && wanted.every((name) => recorded.has(name));
}
