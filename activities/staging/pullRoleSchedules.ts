import { PULLED_STREAMS } from '../../shared/streams';
import { clearDocuments, stageDocuments } from './stageDocuments';
import type { PageStream } from './pageReader';

export type RoleScheduleStream = 'directoryRoleEligibilities' | 'directoryRoleActiveSchedules';
export type RoleSchedulesPulled = { staged: number; coverage: 'complete' | 'unavailable' };

const SOURCES: Record<RoleScheduleStream, { what: string; kind: 'eligible' | 'active' }> = {
  directoryRoleEligibilities: { what: 'roleManagement/directory/roleEligibilityScheduleInstances', kind: 'eligible' },
  directoryRoleActiveSchedules: { what: 'roleManagement/directory/roleAssignmentScheduleInstances', kind: 'active' },
};

/** Graph's answer to PIM's APIs in a tenant without Entra ID P2 or ID Governance (docs/graph-behaviour.md). */
export const PIM_LICENCE_CODE = 'AadPremiumLicenseRequired';
export const PIM_UNAVAILABLE_REASON =
  'the tenant has no Microsoft Entra ID P2 or Microsoft Entra ID Governance licence, so Microsoft Graph does not list PIM schedules ' +
  '(eligible and time-bound role assignments); active role assignments are still read from roleAssignments';

/**
 * One of PIM's schedule-instance collections for directory roles, in full every run, with each
 * instance's principal. A tenant without the licence ends the pull as `unavailable`, not failed.
 */
export function roleScheduleStream(stream: RoleScheduleStream): PageStream<Record<string, never>, RoleSchedulesPulled> {
  const { what, kind } = SOURCES[stream];
  const staging = { table: 'staged_role_schedules', kindColumn: 'kind', kind } as const;
  return {
    stream,
    permission: PULLED_STREAMS[stream].permission,
    // $select, $filter and $expand are the documented options; no $top, so the page size is Graph's.
    start: async (connector) => ({ sources: [{ what, link: `${connector.graphBaseUrl}/${what}?$expand=principal` }], state: {} }),
    clear: (tx, syncRunId) => clearDocuments(tx, syncRunId, staging),
    async stage(tx, syncRunId, _source, page) {
      await stageDocuments(tx, syncRunId, staging, page.objects);
      return page.objects.length;
    },
    async recover(err) {
      // Observed as 400; 403 is accepted too, since Microsoft documents neither.
      const e = err as { statusCode?: number; code?: string };
      if (e.code !== PIM_LICENCE_CODE || (e.statusCode !== 400 && e.statusCode !== 403)) return undefined;
      return { finish: { record: { staged: 0, coverage: 'unavailable', coverageReason: PIM_UNAVAILABLE_REASON }, result: { staged: 0, coverage: 'unavailable' } } };
    },
    record: () => ({ coverage: 'complete' }),
    result: (record) => ({ staged: record.staged, coverage: record.coverage ?? 'complete' }),
  };
}
