import { describe, expect, it, onTestFinished } from 'vitest';
import { graphEndpoint } from '../activities/graph/graphTelemetry';
import { ConfigError } from '../shared/config';
import { connectorOfWorkflowId } from '../workers/loggerInterceptor';
import { loadMetricsConfig, SyncMetrics } from '../workers/metrics';
import { startMetricsServer } from '../workers/metricsServer';

describe('metric labels', () => {
  it('names Graph endpoints without version, ids or query, so label sets stay small', () => {
    expect(graphEndpoint('https://graph.microsoft.com/v1.0/users/delta?$select=id&$deltatoken=abc')).toBe('/users/delta');
    expect(graphEndpoint('https://localhost:8443/v1.0/servicePrincipals/040e7e63-c21f-4466-b2f7-fda458b5bb67/appRoleAssignedTo')).toBe('/servicePrincipals/{id}/appRoleAssignedTo');
    expect(graphEndpoint('https://graph.microsoft.com/v1.0/$batch')).toBe('/$batch');
    expect(graphEndpoint('https://graph.microsoft.com/v1.0/oauth2PermissionGrants')).toBe('/oauth2PermissionGrants');
    expect(graphEndpoint('https://graph.microsoft.com/beta/auditLogs/directoryAudits/Directory_7ZX_12345')).toBe('/auditLogs/directoryAudits/{id}');
  });

  it('finds the connector of scheduled and manual workflow ids', () => {
    expect(connectorOfWorkflowId('entra-sync-contoso-prod-2026-11-26T12:04:00Z')).toBe('contoso-prod');
    expect(connectorOfWorkflowId('entra-sync-default')).toBe('default');
    expect(connectorOfWorkflowId('something-else')).toBeUndefined();
  });

  it('counts 429s as throttled, and every response by endpoint and status', async () => {
    const metrics = new SyncMetrics();
    metrics.recordGraphResponse({ method: 'GET', endpoint: '/users/delta', status: 429 });
    metrics.recordGraphResponse({ method: 'GET', endpoint: '/users/delta', status: 200 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('entra_sync_graph_throttled_requests_total{endpoint="/users/delta"} 1');
    expect(text).toContain('entra_sync_graph_requests_total{endpoint="/users/delta",method="GET",status="429"} 1');
    expect(text).toContain('entra_sync_graph_requests_total{endpoint="/users/delta",method="GET",status="200"} 1');
  });
});

describe('audit lag', () => {
  it('is a gauge per connector and audit query, set from each committed run (0 once the query caught up)', async () => {
    const metrics = new SyncMetrics();
    const audit = { mode: 'incremental', upserted: 0, removed: 0, pages: 20, requests: 20, subRequests: 0, throttled: 0 } as const;
    metrics.recordCommitted('contoso', { syncRunId: 1, status: 'succeeded', streams: { credentialAuditEvents: { ...audit, auditLagSeconds: { 'Add owner to': 0, 'Add app role assignment': 5400 } } } });
    metrics.recordCommitted('contoso', { syncRunId: 2, status: 'succeeded', streams: { credentialAuditEvents: { ...audit, auditLagSeconds: { 'Add owner to': 0, 'Add app role assignment': 0 } } } });
    metrics.recordCommitted('fabrikam', { syncRunId: 3, status: 'succeeded', streams: { credentialAuditEvents: { ...audit, auditLagSeconds: { 'Add app role assignment': 120 } } } });
    const text = await metrics.registry.metrics();
    expect(text).toContain('entra_sync_audit_lag_seconds{connector="contoso",query="Add app role assignment"} 0');
    expect(text).toContain('entra_sync_audit_lag_seconds{connector="contoso",query="Add owner to"} 0');
    expect(text).toContain('entra_sync_audit_lag_seconds{connector="fabrikam",query="Add app role assignment"} 120');
  });
});

describe('METRICS_PORT', () => {
  it('defaults to 9464 on all interfaces, 0 turns metrics off, and nonsense is refused', () => {
    expect(loadMetricsConfig({})).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(loadMetricsConfig({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' })).toEqual({ port: 0, host: '127.0.0.1' });
    expect(() => loadMetricsConfig({ METRICS_PORT: 'ninety' })).toThrow(ConfigError);
    expect(() => loadMetricsConfig({ METRICS_PORT: 'ninety' })).toThrow(/METRICS_PORT="ninety" is not a port/);
  });
});

describe('METRICS_BEARER_TOKEN', () => {
  it('guards /metrics with a bearer token while /healthz stays open for probes', async () => {
    const token = 'scrape-token-123';
    expect(loadMetricsConfig({ METRICS_BEARER_TOKEN: ` ${token} ` })).toMatchObject({ bearerToken: token });
    const server = await startMetricsServer({ metrics: new SyncMetrics(), port: 0, host: '127.0.0.1', health: async () => ({ ok: true }), bearerToken: token });
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const scraped = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('entra_sync_objects_synced_total');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});


describe('METRICS_BASIC_AUTH_USERNAME and METRICS_BASIC_AUTH_PASSWORD', () => {
  it('guard /metrics with basic auth, beside a bearer token when both are set; /healthz stays open', async () => {
    const basicAuth = { username: 'prometheus', password: 'scrape:pass' };
    expect(loadMetricsConfig({ METRICS_BASIC_AUTH_USERNAME: 'prometheus', METRICS_BASIC_AUTH_PASSWORD: 'scrape:pass' })).toEqual({ port: 9464, host: '0.0.0.0', basicAuth });
    expect(() => loadMetricsConfig({ METRICS_BASIC_AUTH_USERNAME: 'prometheus' })).toThrow(/METRICS_BASIC_AUTH_USERNAME and METRICS_BASIC_AUTH_PASSWORD go together/);
    const server = await startMetricsServer({ metrics: new SyncMetrics(), port: 0, host: '127.0.0.1', health: async () => ({ ok: true }), basicAuth, bearerToken: 'scrape-token' });
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

    const anonymous = await fetch(`${base}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer, Basic realm="entra-sync metrics"');
    expect((await fetch(`${base}/metrics`, { headers: basic('prometheus', 'wrong') })).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: basic('someone', 'scrape:pass') })).status).toBe(401);
    const scraped = await fetch(`${base}/metrics`, { headers: basic('prometheus', 'scrape:pass') });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('entra_sync_runs_total');
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer scrape-token' } })).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
