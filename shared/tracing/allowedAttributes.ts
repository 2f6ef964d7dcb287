import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * The only span attributes that leave the process. Each names a Temporal execution, a connector,
 * a stream or the shape of a Graph request: none holds a secret or a directory object.
 */
export const ALLOWED_ATTRIBUTES = new Set([
  // The Temporal SDK's interceptors, and the workflow sink's (workers/traceInterceptors.ts).
  'temporalWorkflowId',
  'run_id',
  'temporalActivityId',
  'temporal.workflow.type',
  'temporal.task_queue',
  'temporal.activity.attempt',
  // Ours: shared/tracing/inSpan.ts and its callers.
  'entra.connector_id',
  'entra.tenant_id',
  'entra.sync_run_id',
  'entra.stream',
  'http.request.method',
  'url.template',
  'server.address',
  'http.response.status_code',
  'error.type',
  'graph.throttled',
  'graph.retry_after_seconds',
  'graph.batch.requests',
  'graph.batch.endpoints',
]);

const pick = (attributes: ReadableSpan['attributes']) => Object.fromEntries(Object.entries(attributes).filter(([key]) => ALLOWED_ATTRIBUTES.has(key)));

/**
 * Sends on each ended span with only the allowed attributes, exceptions reduced to their type and
 * no status message: a failure's text can name a directory object (the logs, which carry the
 * span's trace_id, have it). One guard for the worker's spans and the workflow's alike.
 */
export class AllowedAttributesProcessor implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    // A view of the span (its methods and getters stay the span's) with the filtered fields.
    const events = span.events.map((e) => ({ ...e, attributes: e.name === 'exception' ? pick({ 'error.type': e.attributes?.['exception.type'] ?? 'Error' }) : {} }));
    this.next.onEnd(
      Object.create(span, {
        attributes: { value: pick(span.attributes) },
        events: { value: events },
        status: { value: { code: span.status.code } },
        links: { value: span.links.map((l) => ({ context: l.context })) },
      }) as ReadableSpan,
    );
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}
