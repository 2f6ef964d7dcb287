/** What the standard OTEL_* variables ask of tracing: nothing (off), or OTLP over HTTP in one encoding. */
export type TracingConfig = { enabled: false; reason?: string } | { enabled: true; protocol: 'http/protobuf' | 'http/json' };

const PROTOCOLS = new Set(['http/protobuf', 'http/json']);

/**
 * Tracing is on when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or OTEL_TRACES_EXPORTER=otlp asks for the default one
 * (http://localhost:4318); OTEL_TRACES_EXPORTER=none and OTEL_SDK_DISABLED=true turn it off.
 * `reason` says why a configuration that asked for tracing got none (grpc, another exporter).
 */
export function tracingConfig(env: NodeJS.ProcessEnv = process.env): TracingConfig {
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || exporter === 'none') return { enabled: false };
  if (exporter && exporter !== 'otlp') return { enabled: false, reason: `OTEL_TRACES_EXPORTER=${exporter} is not supported: entra-sync exports traces over OTLP/HTTP only (otlp or none)` };
  if (!endpoint && exporter !== 'otlp') return { enabled: false };
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() || env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() || 'http/protobuf').toLowerCase();
  if (!PROTOCOLS.has(protocol)) {
    return { enabled: false, reason: `OTLP protocol ${protocol} is not supported: set OTEL_EXPORTER_OTLP_PROTOCOL to http/protobuf (the default) or http/json and point the endpoint at the collector's HTTP port (4318)` };
  }
  return { enabled: true, protocol: protocol as 'http/protobuf' | 'http/json' };
}
