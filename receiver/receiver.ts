import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDatabase, type Database } from '../activities/store/database';
import { subscriptionSecret } from '../activities/store/notificationSubscriptions';
import type { KeyRing } from '../activities/secrets/secretCipher';
import type { Logger } from '../workers/logger';
import type { MetricsConfig } from '../workers/metrics';
import { startMetricsServer } from '../workers/metricsServer';
import { Forwarder } from './forwarder';
import { notificationHandler } from './notificationHandler';
import { ReceiverMetrics } from './receiverMetrics';
import { startNotificationServer } from './server';
import { Spool } from './spool';
import { SubscriptionCache } from './subscriptionCache';
import { tailTrigger, type TemporalTargetOptions } from './tailSignal';

export type ReceiverOptions = {
  port: number;
  host: string;
  tls?: { certPath: string; keyPath: string };
  maxBodyBytes: number;
  spoolDir: string;
  databaseUrl: string;
  keys: KeyRing;
  temporal: TemporalTargetOptions;
  /** /metrics and the detailed /healthz; absent or port 0: not served. */
  metrics?: MetricsConfig;
  log: Logger;
  timing?: Partial<ReceiverTiming>;
};

export type ReceiverTiming = {
  /** Longest a subscription lookup may wait for PostgreSQL during a request. */
  lookupTimeoutMs: number;
  knownTtlMs: number;
  unknownTtlMs: number;
  forwardIntervalMs: number;
  maxBackoffMs: number;
  signalDeadlineMs: number;
  retentionMs: number;
};

export const DEFAULT_TIMING: ReceiverTiming = {
  lookupTimeoutMs: 1_000,
  knownTtlMs: 60_000,
  unknownTtlMs: 5_000,
  forwardIntervalMs: 100,
  maxBackoffMs: 5_000,
  signalDeadlineMs: 5_000,
  // Graph retries a delivery for up to 4 hours; a day of dedupe keys covers that with room.
  retentionMs: 24 * 60 * 60_000,
};

export type Receiver = {
  url: string;
  metricsUrl?: string;
  metrics: ReceiverMetrics;
  forwarder: Forwarder;
  cache: SubscriptionCache;
  db: Database;
  close(): Promise<void>;
};

/** The receiver's pieces, wired: request path (cache, spool) and background path (forwarder). */
export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const db = createDatabase(options.databaseUrl, { statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 30_000 });
  const metrics = new ReceiverMetrics();
  const spool = await Spool.open(options.spoolDir);
  const cache = new SubscriptionCache({
    load: (id) => subscriptionSecret(db, options.keys, id),
    knownTtlMs: timing.knownTtlMs,
    unknownTtlMs: timing.unknownTtlMs,
    timeoutMs: timing.lookupTimeoutMs,
  });
  const trigger = tailTrigger(options.temporal, timing.signalDeadlineMs);
  const forwarder = new Forwarder({
    spool,
    db,
    trigger,
    metrics,
    log: options.log,
    intervalMs: timing.forwardIntervalMs,
    maxBackoffMs: timing.maxBackoffMs,
    retentionMs: timing.retentionMs,
  });
  const handle = notificationHandler({ cache, spool, metrics, log: options.log, maxBodyBytes: options.maxBodyBytes });
  const server = await startNotificationServer({ port: options.port, host: options.host, tls: options.tls, handle, log: options.log });
  let metricsServer: http.Server | undefined;
  if (options.metrics && options.metrics.port !== 0) {
    metricsServer = await startMetricsServer({
      metrics,
      port: options.metrics.port,
      host: options.metrics.host,
      bearerToken: options.metrics.bearerToken,
      basicAuth: options.metrics.basicAuth,
      // Healthy while it can take notifications (the spool); PostgreSQL and Temporal are reported, not required.
      health: async () => ({
        ok: true,
        spoolSegmentsWaiting: forwarder.state.pendingSegments,
        lastForwardAt: forwarder.state.lastPassAt?.toISOString() ?? null,
        database: forwarder.state.databaseError ? `unavailable: ${forwarder.state.databaseError}` : 'ok',
        temporal: forwarder.state.temporalError ? `unavailable: ${forwarder.state.temporalError}` : 'ok',
      }),
    });
  }
  forwarder.start();
  const scheme = options.tls ? 'https' : 'http';
  const address = (s: http.Server) => s.address() as AddressInfo;
  const local = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
  return {
    url: `${scheme}://${local(options.host)}:${address(server).port}`,
    ...(metricsServer ? { metricsUrl: `http://${local(options.metrics!.host)}:${address(metricsServer).port}` } : {}),
    metrics,
    forwarder,
    cache,
    db,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
      await forwarder.stop();
      // What is spooled but not yet recorded stays on disk for the next start.
      await forwarder.pass().catch(() => undefined);
      await spool.close();
      await trigger.close();
      await db.end();
    },
  };
}
