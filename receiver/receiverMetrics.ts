import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The receiver's Prometheus series. Labels are closed sets (endpoint, outcome, reason), never a
 * subscription or tenant id, so the series stay few.
 */
export class ReceiverMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'entra_sync_receiver_requests_total',
    help: 'Requests to the notification endpoints by endpoint and answer status',
    labelNames: ['endpoint', 'status'] as const,
    registers: [this.registry],
  });

  readonly accepted = new Counter({
    name: 'entra_sync_receiver_notifications_accepted_total',
    help: 'Notifications checked and spooled, by event (changed or a lifecycle event)',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly dropped = new Counter({
    name: 'entra_sync_receiver_notifications_dropped_total',
    help: 'Notifications answered 202 but not recorded: their subscription is not one of ours',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly refused = new Counter({
    name: 'entra_sync_receiver_requests_refused_total',
    help: 'Requests refused with 4xx: forged clientState, oversized or malformed body',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly answerSeconds = new Histogram({
    name: 'entra_sync_receiver_answer_seconds',
    help: 'Time from request start to the answer on the notification endpoints',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3, 10],
    registers: [this.registry],
  });

  readonly spoolSegments = new Gauge({
    name: 'entra_sync_receiver_spool_segments',
    help: 'Spool segments waiting to be written to PostgreSQL',
    registers: [this.registry],
  });

  readonly recorded = new Counter({
    name: 'entra_sync_receiver_receipts_recorded_total',
    help: 'Receipts written to PostgreSQL for the first time (duplicates are not counted)',
    registers: [this.registry],
  });

  readonly signals = new Counter({
    name: 'entra_sync_receiver_tail_signals_total',
    help: 'Signal-with-start calls to connector tails, by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly forwardFailures = new Counter({
    name: 'entra_sync_receiver_forward_failures_total',
    help: 'Forwarder passes that could not reach PostgreSQL (the spool keeps the receipts)',
    registers: [this.registry],
  });
}
