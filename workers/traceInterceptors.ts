import { trace } from '@opentelemetry/api';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetryWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { Tracing } from '../shared/tracing/startTracing';
import { activityConnectors, connectorOfWorkflowId } from './activityConnector';

/**
 * The span of each activity attempt (the SDK's `RunActivity:<type>`, a child of the workflow's
 * `StartActivity:<type>` through the task's headers) with the connector, sync run, stream and
 * attempt on it; log lines of the activity carry its trace_id and span_id.
 */
export function traceActivityInterceptors(): ActivityInterceptorsFactory {
  const connectorOf = activityConnectors();
  return (ctx) => {
    const otel = new OpenTelemetryActivityInboundInterceptor(ctx);
    return {
      inbound: {
        execute: (input, next) =>
          otel.execute(input, (inner) => {
            const arg = (inner.args[0] ?? {}) as { connectorId?: unknown; syncRunId?: unknown; stream?: unknown };
            const connectorId = connectorOf(ctx.info, arg);
            trace.getActiveSpan()?.setAttributes({
              'temporal.activity.attempt': ctx.info.attempt,
              ...(connectorId ? { 'entra.connector_id': connectorId } : {}),
              ...(typeof arg.syncRunId === 'number' ? { 'entra.sync_run_id': arg.syncRunId } : {}),
              ...(typeof arg.stream === 'string' ? { 'entra.stream': arg.stream } : {}),
            });
            return next(inner);
          }),
      },
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    };
  };
}

export type WorkflowTraceSinks = InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }>;

/**
 * Where the workflow's spans (`RunWorkflow`, `StartActivity`, made in the sandbox by the
 * interceptors every workflow bundle carries) leave it. The SDK would put all of the workflow's
 * info on them (memo, search attributes, last result); these name the execution only. Without
 * tracing the spans are dropped here, so the sandbox's calls always have a sink to reach.
 */
export function workflowTraceSinks(tracing?: Tracing): WorkflowTraceSinks {
  if (!tracing) return { exporter: { export: { fn: () => undefined } } };
  const sdk = makeWorkflowExporter(tracing.processor, tracing.resource).export;
  return {
    exporter: {
      export: {
        fn: (info, spans) => {
          const connectorId = connectorOfWorkflowId(info.workflowId);
          const attributes = {
            temporalWorkflowId: info.workflowId,
            run_id: info.runId,
            'temporal.workflow.type': info.workflowType,
            'temporal.task_queue': info.taskQueue,
            ...(connectorId ? { 'entra.connector_id': connectorId } : {}),
          };
          return sdk.fn(attributes as unknown as WorkflowInfo, spans);
        },
      },
    },
  };
}
