import { markSignalled, pruneReceipts, receiptsToSignal, recordReceipts } from '../activities/store/notificationReceipts';
import type { Database } from '../activities/store/database';
import type { Logger } from '../workers/logger';
import type { ReceiverMetrics } from './receiverMetrics';
import type { Spool } from './spool';
import { triggerReason, type TailTrigger } from './tailSignal';

export type ForwarderOptions = {
  spool: Spool;
  db: Database;
  trigger: TailTrigger;
  metrics: ReceiverMetrics;
  log: Logger;
  /** Pause between passes while all goes well. */
  intervalMs: number;
  /** Longest pause after failures (the pause doubles from intervalMs up to it). */
  maxBackoffMs: number;
  /** Signalled change receipts older than this are deleted (their dedupe window is over). */
  retentionMs: number;
};

export type ForwarderState = { lastPassAt?: Date; databaseError?: string; temporalError?: string; pendingSegments: number };

const PRUNE_EVERY_MS = 60 * 60_000;
const SIGNAL_SWEEP_EVERY_MS = 10_000;

/**
 * Moves receipts from the spool to PostgreSQL and wakes the tails. A pass: seal the segment being
 * written, insert every sealed segment's receipts (on conflict do nothing: a segment replayed after
 * a crash records nothing twice), delete the segment, then signal each connector that has
 * unsignalled receipts, one signal per connector and event for all of them, and mark them
 * signalled. PostgreSQL down: segments wait on disk. Temporal down: receipts wait unsignalled in
 * PostgreSQL and are signalled by a later pass.
 */
export class Forwarder {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private failures = 0;
  private signalFailures = 0;
  private nextSignalAt = 0;
  private lastPruneAt = 0;
  private lastSignalCheckAt = 0;
  /** Receipts may wait for a signal: set by new receipts and failed signals, cleared by a pass that signalled all. */
  private signalsWaiting = true;
  readonly state: ForwarderState = { pendingSegments: 0 };

  constructor(private readonly options: ForwarderOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass now (tests and shutdown); never two at once. */
  async pass(): Promise<void> {
    while (this.running) await this.running;
    this.running = this.forward().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.pass().then(() => {
        const backoff = this.failures ? Math.min(this.options.maxBackoffMs, this.options.intervalMs * 2 ** this.failures) : this.options.intervalMs;
        this.schedule(backoff);
      });
    }, ms);
  }

  private async forward(): Promise<void> {
    const { spool, db, metrics, log } = this.options;
    try {
      await spool.seal();
      const segments = await spool.sealedSegments();
      for (const segment of segments) {
        const receipts = await spool.readSegment(segment);
        const recorded = await recordReceipts(db, receipts);
        metrics.recorded.inc(recorded);
        if (recorded) this.signalsWaiting = true;
        await spool.removeSegment(segment);
      }
      if (this.state.databaseError) log.info('PostgreSQL answers again: spooled notifications are being recorded');
      this.state.databaseError = undefined;
      this.failures = 0;
      await this.signalTails();
      await this.prune();
    } catch (err) {
      this.failures++;
      metrics.forwardFailures.inc();
      if (!this.state.databaseError) log.warn({ err: (err as Error).message }, 'cannot record spooled notifications in PostgreSQL; they stay in the spool and are retried');
      this.state.databaseError = (err as Error).message;
    } finally {
      this.state.lastPassAt = new Date();
      this.state.pendingSegments = (await spool.sealedSegments().catch(() => [])).length;
      metrics.spoolSegments.set(this.state.pendingSegments);
    }
  }

  private async signalTails(): Promise<void> {
    // Idle passes do not ask PostgreSQL: only after new receipts, a failed signal, or now and then
    // (receipts another replica or an earlier run of this one left unsignalled).
    const due = this.signalsWaiting || Date.now() - this.lastSignalCheckAt > SIGNAL_SWEEP_EVERY_MS;
    if (!due || Date.now() < this.nextSignalAt) return;
    const { db, trigger, metrics, log } = this.options;
    this.lastSignalCheckAt = Date.now();
    this.signalsWaiting = true;
    for (const pending of await receiptsToSignal(db)) {
      try {
        await trigger(pending.connectorId, triggerReason(pending.event, pending.dedupeKeys.length));
      } catch (err) {
        metrics.signals.inc({ result: 'failed' });
        this.signalFailures++;
        this.nextSignalAt = Date.now() + Math.min(this.options.maxBackoffMs, this.options.intervalMs * 2 ** this.signalFailures);
        if (!this.state.temporalError) log.warn({ err: (err as Error).message, connectorId: pending.connectorId }, 'cannot signal the connector tail; the notifications stay unsignalled and are signalled later');
        this.state.temporalError = (err as Error).message;
        return;
      }
      metrics.signals.inc({ result: 'ok' });
      await markSignalled(db, pending.dedupeKeys);
    }
    this.signalsWaiting = false;
    if (this.state.temporalError) log.info('Temporal answers again: connector tails are signalled');
    this.state.temporalError = undefined;
    this.signalFailures = 0;
  }

  private async prune(): Promise<void> {
    if (Date.now() - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = Date.now();
    const pruned = await pruneReceipts(this.options.db, this.options.retentionMs);
    if (pruned) this.options.log.info({ pruned }, 'pruned old notification receipts');
  }
}
