import { createHash } from 'node:crypto';

/**
 * Where in each interval a connector's runs fall: a whole second derived from its id. Connectors
 * on one interval are then due at different moments instead of all in the same second, which a
 * Temporal server starts one after another (50 connectors every minute waited up to 25 s to start,
 * docs/scaling.md). Stable per connector, so `schedule apply` is idempotent.
 */
export function scheduleOffsetMs(connectorId: string, intervalMs: number): number {
  const seconds = Math.max(1, Math.floor(intervalMs / 1000));
  const hash = createHash('sha256').update(connectorId).digest().readUInt32BE(0);
  return (hash % seconds) * 1000;
}
