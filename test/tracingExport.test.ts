import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The exporter's own protobuf definitions of OTLP, to read what it sent.
import otlp from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { inSpan } from '../shared/tracing/inSpan';
import { startTracing } from '../shared/tracing/startTracing';

// The default encoding (http/protobuf, as the OpenTelemetry specification sets it) end to end in
// this process: startTracing reads OTEL_EXPORTER_OTLP_ENDPOINT, and shutting down exports what
// the batch processor still holds (its schedule is 5 s; the test does not wait for it).

type KeyValue = { key: string; value?: { stringValue?: string } };
type Span = { name: string; traceId: Uint8Array; spanId: Uint8Array; parentSpanId?: Uint8Array; attributes?: KeyValue[] };
type Decoded = { resourceSpans?: Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans?: Array<{ spans?: Span[] }> }> };
// The generated module's declaration types it as a bare Root; its messages are plain properties.
const { ExportTraceServiceRequest } = (otlp as unknown as { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: { decode(bytes: Uint8Array): Decoded } } } } } } })
  .opentelemetry.proto.collector.trace.v1;

const requests: Array<{ contentType: string | undefined; body: Decoded }> = [];
let server: http.Server;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ contentType: req.headers['content-type'], body: ExportTraceServiceRequest.decode(Buffer.concat(chunks)) });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const hex = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('hex');

describe('a worker process exporting over OTLP/HTTP with the default encoding', () => {
  it('sends protobuf to <endpoint>/v1/traces on shutdown, parent and child, with only the allowed attributes', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const warnings: string[] = [];
    const tracing = startTracing('entra-sync-worker', { warn: (m) => void warnings.push(m) });
    expect(tracing).toBeDefined();
    await inSpan('finalize transaction', {}, () => inSpan('GET /users/delta', { 'url.template': '/users/delta', 'user.name': 'Adele Vance' }, async () => undefined));
    expect(requests).toEqual([]);
    await tracing!.shutdown();

    expect(warnings).toEqual([]);
    expect(requests.map((r) => r.contentType)).toEqual(['application/x-protobuf']);
    const [resourceSpans] = requests[0]!.body.resourceSpans ?? [];
    const service = resourceSpans?.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue;
    expect(service).toBe('entra-sync-worker');
    const spans = (resourceSpans?.scopeSpans ?? []).flatMap((s) => s.spans ?? []);
    const outer = spans.find((s) => s.name === 'finalize transaction');
    const inner = spans.find((s) => s.name === 'GET /users/delta');
    expect(hex(inner?.parentSpanId)).toBe(hex(outer?.spanId));
    expect(hex(inner?.traceId)).toBe(hex(outer?.traceId));
    expect(inner?.attributes?.map((a) => [a.key, a.value?.stringValue])).toEqual([['url.template', '/users/delta']]);
  });
});
