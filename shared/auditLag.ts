/**
 * An audit stream's lag as a person reads it: empty when every query caught up with the run's
 * bound, else how far the furthest behind is and which queries are behind (their page budget ran
 * out; they continue next run). `lag` is seconds per query, as finalize records it.
 */
export function auditLagNote(lag: Record<string, number> | null | undefined): string {
  const behind = Object.entries(lag ?? {})
    .filter(([, seconds]) => seconds > 0)
    .sort(([, a], [, b]) => b - a);
  if (behind.length === 0) return '';
  return `behind by ${behind[0]![1]}s (${behind.map(([query]) => query).join(', ')})`;
}
