import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { AllowedAttributesProcessor } from '../shared/tracing/allowedAttributes';
import { tracingConfig } from '../shared/tracing/tracingConfig';

// Which OTEL_* settings turn tracing on, as the OpenTelemetry environment-variable specification
// defines them (OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT and
// _PROTOCOL, http/protobuf by default), within what entra-sync exports: OTLP over HTTP.

describe('tracing configuration from the standard OTEL_* variables', () => {
  it('is off when no variable asks for traces: no SDK starts', () => {
    expect(tracingConfig({})).toEqual({ enabled: false });
    expect(tracingConfig({ OTEL_SERVICE_NAME: 'entra-sync', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod' })).toEqual({ enabled: false });
  });

  it('is on with an endpoint, for all signals or traces alone, over http/protobuf unless told http/json', () => {
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({ enabled: true, protocol: 'http/protobuf' });
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toEqual({ enabled: true, protocol: 'http/protobuf' });
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toEqual({ enabled: true, protocol: 'http/json' });
    // The traces-specific protocol wins over the general one.
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })).toEqual({
      enabled: true,
      protocol: 'http/json',
    });
  });

  it('is on with OTEL_TRACES_EXPORTER=otlp alone (the default endpoint, localhost:4318)', () => {
    expect(tracingConfig({ OTEL_TRACES_EXPORTER: 'otlp' })).toEqual({ enabled: true, protocol: 'http/protobuf' });
  });

  it('is off when turned off, even with an endpoint', () => {
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toEqual({ enabled: false });
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toEqual({ enabled: false });
  });

  it('says why when asked for what it does not export (gRPC, another exporter)', () => {
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toEqual({ enabled: false, reason: expect.stringContaining('grpc is not supported') });
    expect(tracingConfig({ OTEL_TRACES_EXPORTER: 'zipkin' })).toEqual({ enabled: false, reason: expect.stringContaining('zipkin is not supported') });
  });
});

describe('what leaves the process in a span', () => {
  it('only the allowed attributes, exceptions by type without their message, no status message', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new AllowedAttributesProcessor(new SimpleSpanProcessor(exporter))] });
    const span = provider.getTracer('test').startSpan('GET /users/delta', {
      attributes: { 'url.template': '/users/delta', 'url.full': 'https://graph.microsoft.com/v1.0/users/delta?$skiptoken=abc', 'user.name': 'Adele Vance' },
    });
    span.recordException(new TypeError("Resource 'adele@contoso.com' does not exist"));
    span.setStatus({ code: SpanStatusCode.ERROR, message: "Resource 'adele@contoso.com' does not exist" });
    span.end();
    await provider.forceFlush();
    const [exported] = exporter.getFinishedSpans();
    expect(exported!.attributes).toEqual({ 'url.template': '/users/delta' });
    expect(exported!.events.map((e) => [e.name, e.attributes])).toEqual([['exception', { 'error.type': 'TypeError' }]]);
    expect(exported!.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(exported!.name).toBe('GET /users/delta');
  });
});
