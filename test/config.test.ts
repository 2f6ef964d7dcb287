import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../shared/config';
import { parseDuration } from '../shared/duration';

describe('configuration', () => {
  it('defaults to the embedded stack and a 15 minute interval', () => {
    const config = loadConfig({});
    expect(config.syncIntervalMs).toBe(15 * 60_000);
    expect(config.entra).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
    expect(config.temporal.namespace).toBe('default');
    expect(config.graphBaseUrl).toBe('https://graph.microsoft.com/v1.0');
  });

  it('reads durations such as 15m, 1h30m, 45s and 2d', () => {
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('2d')).toBe(2 * 86_400_000);
    expect(loadConfig({ SYNC_ENTRA_INTERVAL: '1h30m' }).syncIntervalMs).toBe(5_400_000);
  });

  it.each(['15', 'fifteen minutes', '1m30h', '0m', '-5m', '1.5h'])('refuses the interval %j and shows the accepted form', (value) => {
    expect(() => loadConfig({ SYNC_ENTRA_INTERVAL: value })).toThrowError(
      new RegExp(`SYNC_ENTRA_INTERVAL="${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" is not a duration; use .*15m, 1h30m`),
    );
  });

  it('reads every reconcile target at least daily by default; ENTRA_RECONCILE_FULL_EVERY changes it, nonsense is refused', () => {
    expect(loadConfig({}).reconcileFullEveryMs).toBe(24 * 60 * 60_000);
    expect(loadConfig({ ENTRA_RECONCILE_FULL_EVERY: '6h' }).reconcileFullEveryMs).toBe(6 * 60 * 60_000);
    expect(() => loadConfig({ ENTRA_RECONCILE_FULL_EVERY: 'daily' })).toThrowError(/ENTRA_RECONCILE_FULL_EVERY="daily" is not a duration/);
  });

  it('re-reads an hour of audit events by default; ENTRA_AUDIT_OVERLAP changes it, nonsense is refused', () => {
    expect(loadConfig({}).auditOverlapMs).toBe(60 * 60_000);
    expect(loadConfig({ ENTRA_AUDIT_OVERLAP: '2h' }).auditOverlapMs).toBe(2 * 60 * 60_000);
    expect(() => loadConfig({ ENTRA_AUDIT_OVERLAP: 'an hour' })).toThrowError(/ENTRA_AUDIT_OVERLAP="an hour" is not a duration/);
  });

  it('wants all three credentials or none, and names the missing ones', () => {
    const attempt = () => loadConfig({ ENTRA_TENANT_ID: 'contoso.onmicrosoft.com', ENTRA_CLIENT_ID: '00000000-0000-0000-0000-000000000001' });
    expect(attempt).toThrowError(ConfigError);
    expect(attempt).toThrowError(/ENTRA_CLIENT_SECRET is not set: set all three/);
  });

  it('refuses a plain-http Graph or authority override', () => {
    expect(() => loadConfig({ ENTRA_AUTHORITY_HOST: 'http://localhost:8443' })).toThrowError(/must use https/);
  });

  it('versions the workers only when both ENTRA_WORKER_DEPLOYMENT and ENTRA_WORKER_BUILD_ID are set', () => {
    expect(loadConfig({}).workerDeployment).toBeUndefined();
    expect(loadConfig({ ENTRA_WORKER_DEPLOYMENT: ' ', ENTRA_WORKER_BUILD_ID: '' }).workerDeployment).toBeUndefined();
    expect(loadConfig({ ENTRA_WORKER_DEPLOYMENT: 'entra-sync', ENTRA_WORKER_BUILD_ID: 'sha256:4f2a' }).workerDeployment).toEqual({ deploymentName: 'entra-sync', buildId: 'sha256:4f2a' });
    expect(() => loadConfig({ ENTRA_WORKER_DEPLOYMENT: 'entra-sync' })).toThrowError(/ENTRA_WORKER_DEPLOYMENT is set but ENTRA_WORKER_BUILD_ID is not/);
    expect(() => loadConfig({ ENTRA_WORKER_BUILD_ID: '1.1.0' })).toThrowError(/ENTRA_WORKER_BUILD_ID is set but ENTRA_WORKER_DEPLOYMENT is not/);
    // Temporal reserves '.' in deployment names: a worker with one polls but never registers its version.
    expect(() => loadConfig({ ENTRA_WORKER_DEPLOYMENT: 'entra.sync', ENTRA_WORKER_BUILD_ID: '1.1.0' })).toThrowError(/ENTRA_WORKER_DEPLOYMENT="entra.sync" contains '.'/);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ SYNC_ENTRA_INTERVAL: 'soon', ENTRA_DISCOVERY_ENABLED: 'maybe' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toHaveLength(2);
    }
  });
});
