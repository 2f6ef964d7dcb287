import client from 'prom-client';
import type { GraphResponseEvent } from '../activities/graph/graphTelemetry';
import type { RunSummary } from '../activities';
import { ConfigError } from '../shared/config';
import type { BasicCredentials } from './basicAuth';

/** The sync worker's own Prometheus series (the SDK's runtime series are served beside them). */
export class SyncMetrics {
  readonly registry = new client.Registry();

  readonly objectsSynced = new client.Counter({
    name: 'entra_sync_objects_synced_total',
    help: 'Objects written by committed runs, per connector, stream and change (upserted or removed)',
    labelNames: ['connector', 'stream', 'change'] as const,
    registers: [this.registry],
  });

  readonly graphRequests = new client.Counter({
    name: 'entra_sync_graph_requests_total',
    help: 'Microsoft Graph HTTP requests, per endpoint (ids removed), method and status (0 = no response)',
    labelNames: ['endpoint', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly graphThrottled = new client.Counter({
    name: 'entra_sync_graph_throttled_requests_total',
    help: 'Microsoft Graph requests answered 429 Too Many Requests, per endpoint',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });

  readonly streamTraffic = new client.Counter({
    name: 'entra_sync_stream_graph_traffic_total',
    help: 'Microsoft Graph traffic of committed runs, per connector, stream and kind (requests, sub_requests in JSON batches, throttled 429s)',
    labelNames: ['connector', 'stream', 'kind'] as const,
    registers: [this.registry],
  });

  readonly auditLag = new client.Gauge({
    name: 'entra_sync_audit_lag_seconds',
    help: 'How far each audit query of a connector is behind its last committed run: seconds from where its forward read reached to the run\'s upper bound (0: caught up)',
    labelNames: ['connector', 'query'] as const,
    registers: [this.registry],
  });

  readonly unreadTargets = new client.Gauge({
    name: 'entra_sync_reconcile_unread_targets',
    help: 'Apps and service principals whose owners and assignments the last committed run kept as last read because reading them failed (403, or 404 while they exist), per connector and kind',
    labelNames: ['connector', 'kind'] as const,
    registers: [this.registry],
  });

  readonly targetReadFailures = new client.Counter({
    name: 'entra_sync_reconcile_target_read_failures_total',
    help: 'Failed reads of one app or service principal in committed runs (each is retried after a back-off), per connector and kind',
    labelNames: ['connector', 'kind'] as const,
    registers: [this.registry],
  });

  readonly runDuration = new client.Histogram({
    name: 'entra_sync_run_duration_seconds',
    help: 'Duration of finished sync runs, from prepare to commit or failure, per connector, outcome and run kind (full, or tail for a tail pass)',
    labelNames: ['connector', 'outcome', 'kind'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
    registers: [this.registry],
  });

  readonly runs = new client.Counter({
    name: 'entra_sync_runs_total',
    help: 'Finished sync runs, per connector, outcome (succeeded or failed), error kind and run kind (full, or tail for a tail pass)',
    labelNames: ['connector', 'outcome', 'error_kind', 'kind'] as const,
    registers: [this.registry],
  });

  readonly activities = new client.Histogram({
    name: 'entra_sync_activity_duration_seconds',
    help: 'Activity attempts of this worker, per activity type and outcome',
    labelNames: ['activity', 'outcome'] as const,
    buckets: [0.05, 0.25, 1, 5, 15, 60, 300, 1800],
    registers: [this.registry],
  });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'entra_sync_' });
  }

  recordGraphResponse(e: GraphResponseEvent): void {
    this.graphRequests.inc({ endpoint: e.endpoint, method: e.method, status: String(e.status) });
    if (e.status === 429) this.graphThrottled.inc({ endpoint: e.endpoint });
  }

  recordCommitted(connector: string, summary: RunSummary): void {
    for (const [stream, s] of Object.entries(summary.streams)) {
      this.objectsSynced.inc({ connector, stream, change: 'upserted' }, s.upserted);
      this.objectsSynced.inc({ connector, stream, change: 'removed' }, s.removed);
      this.streamTraffic.inc({ connector, stream, kind: 'requests' }, s.requests);
      this.streamTraffic.inc({ connector, stream, kind: 'sub_requests' }, s.subRequests ?? 0);
      this.streamTraffic.inc({ connector, stream, kind: 'throttled' }, s.throttled);
      for (const [query, seconds] of Object.entries(s.auditLagSeconds ?? {})) this.auditLag.set({ connector, query }, seconds);
    }
    for (const kind of UNREAD_KINDS) {
      const unread = (summary.unreadTargets ?? []).filter((t) => t.kind === kind);
      this.unreadTargets.set({ connector, kind }, unread.length);
      this.targetReadFailures.inc({ connector, kind }, unread.filter((t) => t.attempted).length);
    }
  }

  recordRunFinished(connector: string, outcome: RunOutcome, seconds: number, errorKind = '', kind = 'full'): void {
    this.runDuration.observe({ connector, outcome, kind }, seconds);
    this.runs.inc({ connector, outcome, error_kind: errorKind, kind });
  }
}

const UNREAD_KINDS = ['forbidden', 'notFound'] as const;

/** How a run ended, as the run metrics label it. */
export const RUN_OUTCOMES = ['succeeded', 'failed', 'cancelled'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export type MetricsConfig = { port: number; host: string; bearerToken?: string; basicAuth?: BasicCredentials };

/**
 * METRICS_PORT (default 9464; 0 turns the endpoint off), METRICS_HOST (default 0.0.0.0, so a
 * container's scraper reaches it), and optionally METRICS_BEARER_TOKEN and/or
 * METRICS_BASIC_AUTH_USERNAME + METRICS_BASIC_AUTH_PASSWORD: /metrics then answers only requests
 * that carry one of them; /healthz stays open for probes.
 */
export function loadMetricsConfig(env: NodeJS.ProcessEnv = process.env): MetricsConfig {
  const text = env.METRICS_PORT?.trim() || '9464';
  const port = Number(text);
  const problems: string[] = [];
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`METRICS_PORT="${text}" is not a port; use a number from 1 to 65535, or 0 to serve no metrics`);
  }
  const bearerToken = env.METRICS_BEARER_TOKEN?.trim() || undefined;
  const username = env.METRICS_BASIC_AUTH_USERNAME?.trim() || undefined;
  const password = env.METRICS_BASIC_AUTH_PASSWORD || undefined;
  if (Boolean(username) !== Boolean(password)) {
    problems.push('METRICS_BASIC_AUTH_USERNAME and METRICS_BASIC_AUTH_PASSWORD go together: set both to require basic auth on /metrics, or neither');
  } else if (username?.includes(':')) {
    problems.push('METRICS_BASIC_AUTH_USERNAME must not contain ":" (basic auth separates the user name from the password with it)');
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    port,
    host: env.METRICS_HOST?.trim() || '0.0.0.0',
    ...(bearerToken ? { bearerToken } : {}),
    ...(username && password ? { basicAuth: { username, password } } : {}),
  };
}
