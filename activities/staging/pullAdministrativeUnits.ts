import { PULLED_STREAMS } from '../../shared/streams';
import { clearDocuments, stageDocuments } from './stageDocuments';
import type { PageStream } from './pageReader';

const UNITS = 'directory/administrativeUnits';
const STAGING = { table: 'staged_administrative_units' } as const;
export type AdministrativeUnitsPulled = { staged: number; coverage: 'complete' | 'unavailable' };

export const ADMINISTRATIVE_UNITS_UNAVAILABLE_REASON =
  'the app lacks the Microsoft Graph application permission AdministrativeUnit.Read.All (or Directory.Read.All), so role ' +
  'assignments scoped to an administrative unit name it by id only; grant it with admin consent to see the names';

/**
 * Administrative units, in full every run: they only name the scopes of role assignments, so a
 * missing permission leaves the scopes unnamed (coverage `unavailable`, with the fix) instead of
 * failing a run that already read everything that decides who is privileged.
 */
export function administrativeUnitsStream(): PageStream<Record<string, never>, AdministrativeUnitsPulled> {
  return {
    stream: 'administrativeUnits',
    permission: PULLED_STREAMS.administrativeUnits.permission,
    // $top is not among the documented options of this list: the page size is Graph's.
    start: async (connector) => ({ sources: [{ what: UNITS, link: `${connector.graphBaseUrl}/${UNITS}?$select=id,displayName,description,visibility,membershipType` }], state: {} }),
    clear: (tx, syncRunId) => clearDocuments(tx, syncRunId, STAGING),
    async stage(tx, syncRunId, _source, page) {
      await stageDocuments(tx, syncRunId, STAGING, page.objects);
      return page.objects.length;
    },
    async recover(err) {
      const e = err as { statusCode?: number; code?: string };
      if (e.statusCode !== 403 || e.code !== 'Authorization_RequestDenied') return undefined;
      return { finish: { record: { staged: 0, coverage: 'unavailable', coverageReason: ADMINISTRATIVE_UNITS_UNAVAILABLE_REASON }, result: { staged: 0, coverage: 'unavailable' } } };
    },
    record: () => ({ coverage: 'complete' }),
    result: (record) => ({ staged: record.staged, coverage: record.coverage ?? 'complete' }),
  };
}
