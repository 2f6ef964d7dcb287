/**
 * How many not-otherwise-chosen targets a run reads for freshness (reason 'periodic'), oldest
 * read first. Every target whose last read is `period` old is due and always taken; beyond that
 * the run takes its proportional slice of the whole inventory, `floor(total × elapsed / period)`,
 * where `elapsed` is the time since the previous reading run. Runs every `interval` then read
 * about `total × interval / period` targets each and keep every read younger than about
 * `period`, instead of all targets falling due in the same run once a period. Rounding down
 * keeps runs a few seconds apart from reading anything for freshness; what rounding leaves out
 * is caught by the due rule.
 */
export function periodicQuota(input: { total: number; due: number; elapsedMs: number; periodMs: number }): number {
  const { total, due, elapsedMs, periodMs } = input;
  if (total <= 0) return 0;
  if (!(periodMs > 0)) return total;
  const share = Math.min(1, Math.max(0, elapsedMs) / periodMs);
  return Math.min(total, Math.max(due, Math.floor(total * share)));
}
