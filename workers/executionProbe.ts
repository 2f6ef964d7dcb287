import type { ExecutionProbe } from '../activities/store/janitor';

/** temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING */
const RUNNING = 1;
/** The gRPC status Temporal answers for an execution it does not know (retention passed). */
const GRPC_NOT_FOUND = 5;

/** What the probe needs of a connection: a worker's NativeConnection and the CLI's Client both have it. */
export type DescribesExecutions = {
  workflowService: {
    describeWorkflowExecution(request: { namespace: string; execution: { workflowId: string; runId: string } }): Promise<{
      workflowExecutionInfo?: { status?: number | null } | null;
    }>;
  };
};

/**
 * Asks Temporal whether the execution that owns a run row is still open: the janitor abandons a
 * run only when its execution closed (or Temporal no longer knows it).
 */
export function executionProbe(connection: DescribesExecutions, namespace: string): ExecutionProbe {
  return async (workflowId, workflowRunId) => {
    try {
      const described = await connection.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId, runId: workflowRunId } });
      const state = described.workflowExecutionInfo?.status;
      return state === RUNNING ? 'open' : 'closed';
    } catch (err) {
      return (err as { code?: number }).code === GRPC_NOT_FOUND ? 'closed' : 'unknown';
    }
  };
}
