import { PULLED_STREAMS, type FullStream } from '../../shared/streams';
import type { ActivityDeps } from '../deps';
import { clearDocuments, stageDocuments } from './stageDocuments';
import { readPages, type PageStream } from './pageReader';
import { roleScheduleStream, type RoleSchedulesPulled } from './pullRoleSchedules';
import { administrativeUnitsStream, type AdministrativeUnitsPulled } from './pullAdministrativeUnits';
import { pullGroupPimSchedules, type GroupPimPulled } from './pullGroupPimSchedules';

const DEFINITIONS = 'roleManagement/directory/roleDefinitions';
const ASSIGNMENTS = 'roleManagement/directory/roleAssignments';

/**
 * The streams read in full every run from Graph lists, one per call: role definitions then active
 * role assignments with their principals, PIM schedule instances for directory roles and for
 * groups, and the administrative units that scope roles.
 */
export function pullFullStreamActivity(deps: ActivityDeps) {
  const stream: PageStream<Record<string, never>, { assignments: number }> = {
    stream: 'directoryRoleAssignments',
    permission: PULLED_STREAMS.directoryRoleAssignments.permission,
    start: async (connector) => ({
      sources: [
        { what: DEFINITIONS, link: `${connector.graphBaseUrl}/${DEFINITIONS}` },
        { what: ASSIGNMENTS, link: `${connector.graphBaseUrl}/${ASSIGNMENTS}?$expand=principal` },
      ],
      state: {},
    }),
    clear: (tx, syncRunId) => clearDocuments(tx, syncRunId, { table: 'staged_directory_roles' }),
    async stage(tx, syncRunId, source, page) {
      const kind = source.what === ASSIGNMENTS ? 'assignment' : 'definition';
      await stageDocuments(tx, syncRunId, { table: 'staged_directory_roles', kindColumn: 'kind', kind }, page.objects);
      // The stream counts assignments; definitions only explain them.
      return kind === 'assignment' ? page.objects.length : 0;
    },
    result: (record) => ({ assignments: record.staged }),
  };
  return async function pullFullStream(input: {
    syncRunId: number;
    connectorId: string;
    stream: FullStream;
  }): Promise<{ assignments: number } | RoleSchedulesPulled | AdministrativeUnitsPulled | GroupPimPulled> {
    if (input.stream === 'directoryRoleAssignments') return readPages(deps, stream, input);
    if (input.stream === 'administrativeUnits') return readPages(deps, administrativeUnitsStream(), input);
    if (input.stream === 'groupPimSchedules') return pullGroupPimSchedules(deps, input);
    return readPages(deps, roleScheduleStream(input.stream), input);
  };
}
