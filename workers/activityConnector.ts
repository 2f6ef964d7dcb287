import type { Info } from '@temporalio/activity';

/** Scheduled runs are `entra-sync-<connector>-<RFC 3339 time>`, manual ones `entra-sync-<connector>...`. */
export function connectorOfWorkflowId(workflowId: string): string | undefined {
  return /^entra-sync-(.+?)(?:-\d{4}-\d{2}-\d{2}T[\d:.]+Z)?$/.exec(workflowId)?.[1];
}

const REMEMBERED_RUNS = 1_000;

/**
 * Which connector an activity works for: its argument's connectorId; activities that only carry a
 * sync run number learn it from an earlier activity of the same run, else from the workflow id.
 */
export function activityConnectors(): (info: Info, arg: { connectorId?: unknown }) => string | undefined {
  const connectorOfRun = new Map<string, string>();
  return (info, arg) => {
    const runKey = info.workflowExecution?.runId ?? '';
    const connectorId =
      (typeof arg.connectorId === 'string' ? arg.connectorId : undefined) ?? connectorOfRun.get(runKey) ?? connectorOfWorkflowId(info.workflowExecution?.workflowId ?? '');
    if (connectorId) {
      connectorOfRun.set(runKey, connectorId);
      if (connectorOfRun.size > REMEMBERED_RUNS) connectorOfRun.delete(connectorOfRun.keys().next().value!);
    }
    return connectorId;
  };
}
