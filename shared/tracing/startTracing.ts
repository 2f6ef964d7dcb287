import { diag, DiagLogLevel } from '@opentelemetry/api';
import { OTLPTraceExporter as OTLPJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { AllowedAttributesProcessor } from './allowedAttributes';
import { tracingConfig } from './tracingConfig';

export type Tracing = {
  /** Where spans that did not start in this process (the workflow's, through its sink) go. */
  processor: SpanProcessor;
  resource: Resource;
  /** Exports what is buffered and stops; a process calls it before it exits. */
  shutdown(): Promise<void>;
};

type WarnLog = { warn(message: string): void };

/**
 * Starts the OpenTelemetry SDK when the OTEL_* variables ask for traces (shared/tracing/tracingConfig.ts),
 * else nothing: without it every span is the API's no-op. The exporter, the batch processor and
 * the sampler read their own standard variables (OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_*,
 * OTEL_TRACES_SAMPLER); OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override `serviceName`.
 */
export function startTracing(serviceName: string, log: WarnLog): Tracing | undefined {
  const config = tracingConfig(process.env);
  if (!config.enabled) {
    if (config.reason) log.warn(`tracing is off: ${config.reason}`);
    return undefined;
  }
  // The exporter's own failures (collector unreachable) as warnings, without their payloads.
  diag.setLogger({ error: (m) => log.warn(`tracing: ${m}`), warn: (m) => log.warn(`tracing: ${m}`), info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
  const exporter = config.protocol === 'http/json' ? new OTLPJsonExporter() : new OTLPProtobufExporter();
  const processor = new AllowedAttributesProcessor(new BatchSpanProcessor(exporter));
  const resource = new Resource({ 'service.name': serviceName }).merge(envDetectorSync.detect());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global: the SDK's interceptors and activities/spans.ts use the API's tracer, context and propagator.
  provider.register();
  return { processor, resource: provider.resource as Resource, shutdown: () => provider.shutdown() };
}
