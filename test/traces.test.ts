import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushClientTracing, tracedClientInterceptors } from '../client/clientTracing';
import { AccessTokenAuthority } from '../simulator/identity/accessTokens';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { fastReportsThrottling } from './support/fastReports';
import { LiveWorker } from './support/liveWorker';
import { OtlpReceiver, type ReceivedSpan } from './support/otlpReceiver';
import { TEST_TLS_DIR } from './support/testTls';

// One sync on a compiled worker that exports its traces (OTLP/HTTP, JSON) to a receiver in this
// test, started by a client that traces too: the spans must form one tree, from the client's
// start through the workflow and each activity attempt to each Graph request and finalize step,
// and hold no secret, token or directory object.

const CONNECTOR = 'traced';
const SPAN_KIND_CLIENT = 3;
/** OTLP's STATUS_CODE_ERROR. */
const STATUS_ERROR = 2;

let sim: RunningSimulator;
let receiver: OtlpReceiver;
let spans: ReceivedSpan[];
let bodies: string;
let logLines: Array<Record<string, unknown>>;
const issuedTokens: string[] = [];

beforeAll(async () => {
  // Every access token the simulator issues, to look for in what was exported.
  const issue = AccessTokenAuthority.prototype.issue;
  AccessTokenAuthority.prototype.issue = function (this: AccessTokenAuthority, ...args: Parameters<typeof issue>) {
    const issued = issue.apply(this, args);
    issuedTokens.push(issued.token);
    return issued;
  };
  receiver = await OtlpReceiver.start();
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
  // The test's client is traced as the CLI's is (client/clientTracing.ts reads this process's OTEL_*).
  Object.assign(process.env, otel);
  const interceptors = tracedClientInterceptors((m) => console.warn(m));
  expect(interceptors).toBeDefined();

  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 131, users: 30, pageSize: 10, throttling: fastReportsThrottling });
  const live = await LiveWorker.start('traces', { env: { ...otel, OTEL_SERVICE_NAME: 'entra-sync-worker-under-test', LOG_LEVEL: 'info' }, interceptors });
  try {
    await live.addConnector(CONNECTOR, sim);
    // One 429 with Retry-After, for the throttled request's span.
    sim.faults.add({ pathPrefix: '/v1.0/users/delta', status: 429, retryAfterSeconds: 1 });
    expect(await live.sync(CONNECTOR)).toBe('succeeded');
  } finally {
    // The worker exports the spans still buffered (the workflow's and finalize's among them) as it stops.
    await live.stop();
    await flushClientTracing();
  }
  spans = receiver.spans;
  logLines = (await readFile(live.logFile, 'utf8')).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  bodies = receiver.bodies.join('\n');
});

afterAll(async () => {
  await receiver?.close();
  await sim?.close();
});

const named = (pattern: RegExp) => spans.filter((s) => pattern.test(s.name));
const one = (name: string) => {
  const found = spans.filter((s) => s.name === name);
  expect(found.map((s) => s.name), `exactly one span ${name}`).toEqual([name]);
  return found[0]!;
};
const parentOf = (s: ReceivedSpan) => spans.find((p) => p.spanId === s.parentSpanId && p.traceId === s.traceId);
function ancestors(s: ReceivedSpan): ReceivedSpan[] {
  const chain: ReceivedSpan[] = [];
  for (let p = parentOf(s); p; p = parentOf(p)) chain.push(p);
  return chain;
}
const describeSpan = (s: ReceivedSpan) => `${s.name} <- ${ancestors(s).map((a) => a.name).join(' <- ') || '(root)'}`;

describe('the trace of one sync', () => {
  it('is one tree: the client start, the workflow, each activity attempt, each Graph request', () => {
    const start = one('StartWorkflow:EntraSyncWorkflow');
    const workflow = one('RunWorkflow:EntraSyncWorkflow');
    expect(start.parentSpanId).toBeUndefined();
    expect(parentOf(workflow)).toBe(start);

    const activities = named(/^RunActivity:/);
    // What every sync runs (workflows/entraSync.ts): open the run, pull the delta streams, commit.
    for (const type of ['RunActivity:prepareRun', 'RunActivity:pullDelta', 'RunActivity:finalizeRun']) expect(activities.map((a) => a.name)).toContain(type);
    for (const activity of activities) {
      const scheduled = parentOf(activity);
      expect(scheduled?.name, describeSpan(activity)).toBe(activity.name.replace('RunActivity:', 'StartActivity:'));
      expect(ancestors(activity), describeSpan(activity)).toContain(workflow);
      expect(activity.attributes['entra.connector_id'], activity.name).toBe(CONNECTOR);
      expect(activity.attributes['temporal.activity.attempt'], activity.name).toBeGreaterThanOrEqual(1);
      expect(activity.service).toBe('entra-sync-worker-under-test');
    }

    const requests = spans.filter((s) => s.kind === SPAN_KIND_CLIENT && /^(GET|POST) \//.test(s.name));
    expect(requests.length).toBeGreaterThan(5);
    for (const request of requests) expect(parentOf(request)?.name ?? '(root)', describeSpan(request)).toMatch(/^RunActivity:/);
    // Nothing outside the tree: every span of the run is in the client's trace.
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([start.traceId]));
  });

  it("names each Graph request by method and endpoint template, with its status", () => {
    const requests = spans.filter((s) => s.kind === SPAN_KIND_CLIENT);
    const delta = requests.filter((s) => s.name === 'GET /users/delta');
    expect(delta.length).toBeGreaterThanOrEqual(3);
    for (const r of requests) {
      expect(r.attributes['url.template']).toMatch(/^\/[$\w{}/.]*$/);
      expect(r.name).toBe(`${r.attributes['http.request.method']} ${r.attributes['url.template']}`);
      expect(r.attributes['server.address']).toBe('localhost');
      expect(typeof r.attributes['http.response.status_code']).toBe('number');
    }
  });

  it('marks the throttled request with its Retry-After, and names a $batch sub-requests by count and template', () => {
    const throttled = spans.filter((s) => s.attributes['graph.throttled'] === true);
    expect(throttled.map((s) => [s.name, s.attributes['http.response.status_code'], s.attributes['graph.retry_after_seconds'], s.status.code])).toEqual([
      ['GET /users/delta', 429, 1, STATUS_ERROR],
    ]);
    const batches = spans.filter((s) => s.name === 'POST /$batch');
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) {
      expect(b.attributes['graph.batch.requests']).toBeGreaterThanOrEqual(1);
      expect(b.attributes['graph.batch.requests']).toBeLessThanOrEqual(20);
    }
    // The reconcile reads owners and app role assignments in batches (docs/architecture.md); ids become {id}.
    const subEndpoints = new Set(batches.flatMap((b) => b.attributes['graph.batch.endpoints'] as string[]));
    expect(subEndpoints).toEqual(new Set(['/applications/{id}/owners', '/servicePrincipals/{id}/owners', '/servicePrincipals/{id}/appRoleAssignedTo']));
  });

  it("has the finalize transaction's steps under the finalize activity", () => {
    const finalize = one('RunActivity:finalizeRun');
    const transaction = one('finalize transaction');
    expect(parentOf(transaction)?.name ?? '(root)', describeSpan(transaction)).toBe(finalize.name);
    expect(parentOf(transaction)).toBe(finalize);
    const steps = spans.filter((s) => parentOf(s) === transaction).map((s) => s.name);
    for (const step of ['finalize swap', 'finalize applyObjects', 'finalize applyMemberships', 'finalize recordHistory', 'finalize takeGeneration']) expect(steps).toContain(step);
    const streams = spans.filter((s) => s.name === 'finalize applyObjects').map((s) => s.attributes['entra.stream']);
    expect(streams).toContain('users');
  });

  it("leads from each activity's log line to its span", () => {
    const completed = logLines.filter((l) => l.msg === 'activity completed');
    expect(completed.length).toBe(named(/^RunActivity:/).length);
    for (const line of completed) {
      const span = spans.find((s) => s.spanId === line.span_id);
      expect([span?.name, span?.traceId], JSON.stringify(line)).toEqual([`RunActivity:${String(line.activity)}`, line.trace_id]);
    }
  });

  it('exports no secret, token or directory object', () => {
    expect(issuedTokens.length).toBeGreaterThan(0);
    const secrets = [sim.config.clientSecret, ...issuedTokens, 'Bearer'];
    expect(secrets.filter((s) => bodies.includes(s))).toEqual([]);
    // Names, sign-in names, mail and ids of the tenant's users and groups (the simulator's ground truth).
    const objects = [...sim.tenant.users.activeRecords(), ...sim.tenant.groups.activeRecords()].flatMap((r) => {
      const p = r.properties as { id: string; displayName?: string; userPrincipalName?: string; mail?: string | null };
      return [p.id, p.displayName, p.userPrincipalName, p.mail].filter((v): v is string => typeof v === 'string' && v.length > 0);
    });
    expect(objects.length).toBeGreaterThan(60);
    expect(objects.filter((o) => bodies.includes(o))).toEqual([]);
  });
});
