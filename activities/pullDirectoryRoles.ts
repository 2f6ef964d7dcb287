import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps';
import { fetchListPage } from './graph/listPages';
import { activityWait, toGraphFailure } from './graphActivity';
import { requireConnector } from './requireConnector';
import { stageDocuments } from './store/stageDocuments';
import { clearStaged, recordRelationshipPull } from './store/stagedRelationships';

const PERMISSION = 'RoleManagement.Read.Directory';
const DIRECTORY_ROLES_STREAM = 'directoryRoleAssignments';

/** Role definitions and active role assignments with their principals, in full every run. */
export function pullDirectoryRolesActivity({ db, graph }: ActivityDeps) {
  return async function pullDirectoryRoles(input: { runId: number; connectorId: string }): Promise<{ assignments: number }> {
    const ctx = Context.current();
    const connector = await requireConnector(db, input.connectorId);
    const session = await graph.open(connector, PERMISSION);
    let pages = 0;
    let assignments = 0;
    const retry = { maxAttempts: 6, wait: activityWait(ctx, () => ({ pages })) };
    await clearStaged(db, 'staged_directory_roles', input.runId);
    const sources = [
      { kind: 'definition', link: `${connector.graphBaseUrl}/roleManagement/directory/roleDefinitions` },
      { kind: 'assignment', link: `${connector.graphBaseUrl}/roleManagement/directory/roleAssignments?$expand=principal` },
    ] as const;
    for (const source of sources) {
      let link: string | undefined = source.link;
      while (link) {
        const what = `roleManagement/directory/${source.kind === 'definition' ? 'roleDefinitions' : 'roleAssignments'}`;
        let page;
        try {
          page = await fetchListPage(session.client, link, what, retry);
        } catch (err) {
          throw toGraphFailure(err, { ...connector, endpoint: new URL(link).origin, permission: PERMISSION }, what, session.redact);
        }
        await stageDocuments(db, input.runId, { table: 'staged_directory_roles', kindColumn: 'kind', kind: source.kind }, page.objects);
        if (source.kind === 'assignment') assignments += page.objects.length;
        pages++;
        ctx.heartbeat({ pages });
        link = page.nextLink;
      }
    }
    await recordRelationshipPull(db, input.runId, DIRECTORY_ROLES_STREAM, { pages, staged: assignments, ...session.traffic });
    return { assignments };
  };
}
