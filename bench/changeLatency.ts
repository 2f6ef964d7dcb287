import { CHANGE_KINDS, type ChangeKind, type TenantChange } from '../simulator/steadyChanges/tenantChange';
import { isVisible, type VisibleRows } from './changeVisibility';

/** The nearest-rank percentile (p in 0..100) of some values; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export type KindLatency = {
  changes: number;
  /** Changes seen in the database at least once. */
  observed: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  /** Changes seen, then not seen at a later poll: a row gone back to an older value. */
  wentBack: number;
};

/**
 * Change-to-row bookkeeping: each poll reports which changes the database shows; a change's
 * latency is from the time it took effect to the first poll that saw it (so at most one poll
 * interval late). A change seen once and missing later counts as gone back.
 */
export class ChangeLatencyLedger {
  private readonly firstSeenAt = new Map<number, number>();
  private readonly wentBack = new Set<number>();

  /** `polledAt`: when the poll's queries were sent; every change in `changes` was made before it. */
  observe(changes: readonly TenantChange[], rows: VisibleRows, polledAt: number): void {
    for (const change of changes) {
      const visible = isVisible(change.expect, rows);
      const seen = this.firstSeenAt.has(change.seq);
      if (visible && !seen) this.firstSeenAt.set(change.seq, Math.max(polledAt, change.at));
      if (!visible && seen) this.wentBack.add(change.seq);
    }
  }

  seenAt(seq: number): number | undefined {
    return this.firstSeenAt.get(seq);
  }

  unseen(changes: readonly TenantChange[]): TenantChange[] {
    return changes.filter((c) => !this.firstSeenAt.has(c.seq));
  }

  byKind(changes: readonly TenantChange[]): Record<ChangeKind, KindLatency> {
    const result = {} as Record<ChangeKind, KindLatency>;
    for (const kind of CHANGE_KINDS) result[kind] = this.overall(changes.filter((c) => c.kind === kind));
    return result;
  }

  /** The figures of some changes taken together. */
  overall(changes: readonly TenantChange[]): KindLatency {
    const latencies = changes.flatMap((c) => {
      const at = this.firstSeenAt.get(c.seq);
      return at === undefined ? [] : [at - c.at];
    });
    return {
      changes: changes.length,
      observed: latencies.length,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      maxMs: latencies.length ? Math.max(...latencies) : null,
      wentBack: changes.filter((c) => this.wentBack.has(c.seq)).length,
    };
  }
}
