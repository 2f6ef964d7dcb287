import { trace } from '@opentelemetry/api';
import type { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from './logger';
import { activityConnectors } from './activityConnector';

export { connectorOfWorkflowId } from './activityConnector';

/**
 * Log fields for every line about an activity: connectorId, workflowId, workflowRunId (the Temporal run),
 * syncRunId (the sync_runs row), stream, activity and attempt, on the SDK's own lines (`Activity failed`, anything
 * logged through `Context.current().log`) and on one "activity completed" line per success, with
 * its duration. Failure messages are those the activities built, already without the secret.
 */
export function loggerInterceptors(log: Logger): ActivityInterceptorsFactory {
  const connectorOf = activityConnectors();

  return (ctx: Context) => {
    const info = ctx.info;
    const workflowId = info.workflowExecution?.workflowId ?? '';
    const runKey = info.workflowExecution?.runId ?? '';
    let fields: Record<string, unknown> = {
      workflowId,
      workflowRunId: runKey,
      activity: info.activityType,
      attempt: info.attempt,
    };
    return {
      inbound: {
        async execute(input, next) {
          const arg = (input.args[0] ?? {}) as { connectorId?: unknown; syncRunId?: unknown; stream?: unknown };
          const connectorId = connectorOf(info, arg);
          fields = {
            connectorId,
            ...fields,
            ...(typeof arg.syncRunId === 'number' ? { syncRunId: arg.syncRunId } : {}),
            ...(typeof arg.stream === 'string' ? { stream: arg.stream } : {}),
            ...traceFields(),
          };
          const child = log.child(fields);
          const started = performance.now();
          child.debug('activity started');
          try {
            const result = await next(input);
            child.info({ durationMs: Math.round(performance.now() - started) }, 'activity completed');
            return result;
          } catch (err) {
            // The SDK logs the failure itself ("Activity failed", warn), with these same fields.
            child.debug({ durationMs: Math.round(performance.now() - started), cancelled: err instanceof CancelledFailure }, 'activity attempt ended');
            throw err;
          }
        },
      },
      outbound: {
        getLogAttributes: (input, next) => next({ ...input, ...fields }),
      },
    };
  };
}

/** The activity attempt's span, when tracing is on: its lines lead to its trace and back. */
function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan()?.spanContext();
  return span && trace.isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}
