import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/** The API's tracer: a no-op until the worker starts tracing (shared/tracing/startTracing.ts). */
const tracer = () => trace.getTracer('entra-sync');

/**
 * Runs `work` in a span, a child of the activity's own. Attributes only from the allowed set
 * (shared/tracing/allowedAttributes.ts): never a secret or a directory object.
 */
export function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>, kind = SpanKind.INTERNAL): Promise<T> {
  return tracer().startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await work(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A step of the finalize transaction (activities/finalize/finalize.ts). */
export const finalizeStep = <T>(step: string, work: () => Promise<T>, stream?: string): Promise<T> =>
  inSpan(`finalize ${step}`, stream ? { 'entra.stream': stream } : {}, work);
