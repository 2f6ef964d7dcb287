import type http from 'node:http';
import { Runtime } from '@temporalio/worker';
import { onGraphResponse } from '../activities/graph/graphTelemetry';
import { freePort } from '../shared/freePort';
import { sdkLogger, type Logger } from './logger';
import { SyncMetrics, type MetricsConfig } from './metrics';
import { startMetricsServer, type Health } from './metricsServer';

export type WorkerTelemetry = {
  metrics: SyncMetrics;
  /** Starts /metrics and /healthz; undefined when METRICS_PORT=0 or the port is taken (logged). */
  serve(health: () => Promise<Health>): Promise<http.Server | undefined>;
};

/**
 * Installs the Temporal runtime with pino as its logger and, when metrics are on, the SDK's
 * Prometheus exporter on a private loopback port that /metrics re-serves. Must run before any
 * connection or worker is created.
 */
export async function installWorkerTelemetry(log: Logger, config: MetricsConfig): Promise<WorkerTelemetry> {
  const metrics = new SyncMetrics();
  const runtimePort = config.port === 0 ? undefined : await freePort();
  Runtime.install({
    logger: sdkLogger(log.child({ sdk: 'temporal' })),
    ...(runtimePort ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${runtimePort}` } } } } : {}),
  });
  onGraphResponse((event) => metrics.recordGraphResponse(event));
  return {
    metrics,
    async serve(health) {
      if (config.port === 0) return undefined;
      try {
        const server = await startMetricsServer({
          metrics,
          port: config.port,
          host: config.host,
          runtimeMetricsUrl: `http://127.0.0.1:${runtimePort}/metrics`,
          health,
          bearerToken: config.bearerToken,
          basicAuth: config.basicAuth,
        });
        const auth = [config.bearerToken ? 'bearer token' : '', config.basicAuth ? 'basic auth' : ''].filter(Boolean).join(' or ') || 'none';
        log.info({ metrics: `http://${config.host}:${config.port}/metrics`, health: `http://${config.host}:${config.port}/healthz`, metricsAuth: auth }, 'metrics endpoint ready');
        return server;
      } catch (err) {
        // Metrics must never keep a worker from syncing; say so loudly instead.
        log.error(
          { host: config.host, port: config.port, error: (err as Error).message },
          'metrics endpoint could not start; set METRICS_PORT to a free port (0 turns it off), or METRICS_HOST to an address of this host',
        );
        return undefined;
      }
    },
  };
}
