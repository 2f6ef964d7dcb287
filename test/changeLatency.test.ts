import { describe, expect, it } from 'vitest';
import { ChangeLatencyLedger, percentile } from '../bench/changeLatency';
import { isVisible, type VisibleRows } from '../bench/changeVisibility';
import type { TenantChange } from '../simulator/steadyChanges/tenantChange';

const rows = (liveUsers: Array<[string, string | null]>, present: string[] = []): VisibleRows => ({ liveUsers: new Map(liveUsers), present: new Set(present), groupDescriptions: new Map() });

describe('change-to-row latency bookkeeping', () => {
  it('percentiles by nearest rank', () => {
    const ten = [100, 20, 30, 40, 50, 60, 70, 80, 90, 10];
    expect(percentile(ten, 50)).toBe(50);
    expect(percentile(ten, 95)).toBe(100);
    expect(percentile(ten, 90)).toBe(90);
    expect(percentile(ten, 0)).toBe(10);
    expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 95)).toBe(19);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });

  it('a change is visible when the database shows what it made', () => {
    const updated = { what: 'user', id: 'u1', live: true, jobTitle: 'Steady change 4' } as const;
    expect(isVisible(updated, rows([['u1', 'Steady change 4']]))).toBe(true);
    expect(isVisible(updated, rows([['u1', 'Engineer']]))).toBe(false);
    expect(isVisible(updated, rows([]))).toBe(false);
    expect(isVisible({ what: 'user', id: 'u2', live: true }, rows([['u2', null]]))).toBe(true);
    expect(isVisible({ what: 'user', id: 'u3', live: false }, rows([['u2', null]]))).toBe(true);
    expect(isVisible({ what: 'user', id: 'u3', live: false }, rows([['u3', null]]))).toBe(false);

    const added = { what: 'membership', groupId: 'g1', memberId: 'u1', present: true } as const;
    expect(isVisible(added, rows([], ['membership:g1/u1']))).toBe(true);
    expect(isVisible(added, rows([], ['membership:g1/u2']))).toBe(false);
    expect(isVisible({ ...added, present: false }, rows([], ['membership:g1/u2']))).toBe(true);
    expect(isVisible({ what: 'owner', objectType: 'servicePrincipal', objectId: 's1', ownerId: 'u1', present: true }, rows([], ['owner:servicePrincipal/s1/u1']))).toBe(true);
    expect(isVisible({ what: 'owner', objectType: 'application', objectId: 's1', ownerId: 'u1', present: true }, rows([], ['owner:servicePrincipal/s1/u1']))).toBe(false);
    expect(isVisible({ what: 'credential', ownerType: 'application', ownerId: 'a1', keyId: 'k1', present: true }, rows([], ['credential:application/a1/k1']))).toBe(true);
    expect(isVisible({ what: 'roleAssignment', id: 'r1', present: true }, rows([], ['roleEligibility:r1']))).toBe(false);
    expect(isVisible({ what: 'roleEligibility', id: 'r1', present: true }, rows([], ['roleEligibility:r1']))).toBe(true);
  });

  it('measures each change to the first poll that saw it, per kind, and counts a row that went back', () => {
    const changes: TenantChange[] = [
      { seq: 1, kind: 'userUpdated', at: 1_000, expect: { what: 'user', id: 'u1', live: true, jobTitle: 'Steady change 1' } },
      { seq: 2, kind: 'memberAdded', at: 2_000, expect: { what: 'membership', groupId: 'g1', memberId: 'u2', present: true } },
      { seq: 3, kind: 'memberAdded', at: 2_100, expect: { what: 'membership', groupId: 'g1', memberId: 'u3', present: true } },
      { seq: 4, kind: 'userDeleted', at: 2_200, expect: { what: 'user', id: 'u4', live: false } },
    ];
    const ledger = new ChangeLatencyLedger();
    ledger.observe(changes.slice(0, 1), rows([['u1', 'Engineer']]), 1_500);
    ledger.observe(changes, rows([['u1', 'Steady change 1'], ['u4', null]]), 2_500);
    ledger.observe(changes, rows([['u1', 'Steady change 1'], ['u4', null]], ['membership:g1/u2']), 3_000);
    // A later poll shows u1's old title again: the change went back; its latency stays the first sighting's.
    ledger.observe(changes, rows([['u1', 'Engineer']], ['membership:g1/u2', 'membership:g1/u3']), 4_000);

    expect(ledger.seenAt(1)).toBe(2_500);
    expect(ledger.unseen(changes).map((c) => c.seq)).toEqual([]);
    const byKind = ledger.byKind(changes);
    expect(byKind.userUpdated).toEqual({ changes: 1, observed: 1, p50Ms: 1_500, p95Ms: 1_500, maxMs: 1_500, wentBack: 1 });
    expect(byKind.memberAdded).toEqual({ changes: 2, observed: 2, p50Ms: 1_000, p95Ms: 1_900, maxMs: 1_900, wentBack: 0 });
    expect(byKind.userDeleted).toEqual({ changes: 1, observed: 1, p50Ms: 1_800, p95Ms: 1_800, maxMs: 1_800, wentBack: 0 });
    expect(byKind.secretAdded).toEqual({ changes: 0, observed: 0, p50Ms: null, p95Ms: null, maxMs: null, wentBack: 0 });
    expect(ledger.overall(changes)).toMatchObject({ changes: 4, observed: 4, maxMs: 1_900, wentBack: 1 });
  });

  it('a change still unseen has no latency and is listed as unseen', () => {
    const change: TenantChange = { seq: 1, kind: 'secretAdded', at: 1_000, expect: { what: 'credential', ownerType: 'servicePrincipal', ownerId: 's1', keyId: 'k1', present: true } };
    const ledger = new ChangeLatencyLedger();
    ledger.observe([change], rows([]), 2_000);
    expect(ledger.unseen([change])).toEqual([change]);
    expect(ledger.byKind([change]).secretAdded).toEqual({ changes: 1, observed: 0, p50Ms: null, p95Ms: null, maxMs: null, wentBack: 0 });
  });
});
