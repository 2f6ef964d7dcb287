import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGeneratedTenantStore } from '../simulator/generate/generator';
import { CHANGE_MIX, ChangeMix, NOTIFIED_CHANGE_MIX } from '../simulator/steadyChanges/changeMix';
import { startSteadyChanges } from '../simulator/steadyChanges/steadyChanges';
import { CHANGE_KINDS, type ChangeExpectation, type TenantChange } from '../simulator/steadyChanges/tenantChange';
import { credentials, directMemberships, ownerships, roleAssignments } from '../simulator/tenant/groundTruth';
import type { TenantStore } from '../simulator/tenant/tenantStore';
import { control, start } from './simulatorHelpers';

const ANCHOR = new Date(Date.UTC(2026, 1, 1));
const tenantOf = (seed = 3, users = 300) => createGeneratedTenantStore({ seed, users, anchorTime: ANCHOR }).store;

/** Whether the tenant holds what a change promised, read from its ground truth (not from ChangeMix). */
function holds(e: ChangeExpectation, tenant: TenantStore): boolean {
  switch (e.what) {
    case 'user': {
      const user = tenant.activeObjects('users').find((u) => u.id === e.id);
      if (!e.live) return user === undefined;
      return user !== undefined && (e.jobTitle === undefined || user.jobTitle === e.jobTitle);
    }
    case 'group':
      return tenant.activeObjects('groups').find((g) => g.id === e.id)?.description === e.description;
    case 'membership':
      return directMemberships(tenant).some((m) => m.groupId === e.groupId && m.memberId === e.memberId) === e.present;
    case 'owner':
      return ownerships(tenant).some((o) => o.objectType === e.objectType && o.objectId === e.objectId && o.ownerId === e.ownerId) === e.present;
    case 'roleAssignment':
      return roleAssignments(tenant).some((a) => a.id === e.id);
    case 'roleEligibility':
      return tenant.currentRoleEligibilities().some((r) => r.id === e.id);
    case 'credential':
      return credentials(tenant).some((c) => c.ownerType === e.ownerType && c.ownerId === e.ownerId && c.keyId === e.keyId);
  }
}

const make = (tenant: TenantStore, seed: number, n: number) => {
  let clock = 1_000;
  const mix = new ChangeMix(tenant, seed, () => (clock += 10));
  const changes: TenantChange[] = [];
  for (let i = 0; i < n; i++) changes.push(mix.next()!);
  return changes;
};

describe('steady tenant changes', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('makes every kind of change, and each one is in the tenant as soon as it is made and still at the end', () => {
    const tenant = tenantOf();
    let clock = 0;
    const mix = new ChangeMix(tenant, 1, () => ++clock);
    const changes: TenantChange[] = [];
    for (let i = 0; i < 150; i++) {
      const change = mix.next()!;
      expect(holds(change.expect, tenant), `change ${change.seq} (${change.kind}) right after it was made`).toBe(true);
      changes.push(change);
    }
    expect(new Set(changes.map((c) => c.kind))).toEqual(new Set(CHANGE_KINDS.filter((kind) => CHANGE_MIX[kind] > 0)));
    expect(changes.map((c) => c.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(changes.map((c) => c.at)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    // No later change undid an earlier one: each user a change involves is used once.
    const undone = changes.filter((c) => !holds(c.expect, tenant));
    expect(undone.map((c) => `${c.seq} ${c.kind}`)).toEqual([]);
  });

  it('with the notified mix, makes only user, group and membership changes, each still in the tenant at the end', () => {
    const tenant = tenantOf();
    let clock = 0;
    const mix = new ChangeMix(tenant, 4, () => ++clock, NOTIFIED_CHANGE_MIX);
    const changes = Array.from({ length: 150 }, () => mix.next()!);
    expect(new Set(changes.map((c) => c.kind))).toEqual(new Set(['userUpdated', 'userCreated', 'userDeleted', 'memberAdded', 'memberRemoved', 'groupUpdated']));
    expect(changes.filter((c) => !holds(c.expect, tenant)).map((c) => `${c.seq} ${c.kind}`)).toEqual([]);
  });

  it('is deterministic by seed: the same tenant and seed make the same changes with the same ids', () => {
    const first = make(tenantOf(), 9, 60);
    const again = make(tenantOf(), 9, 60);
    expect(again).toEqual(first);
    const other = make(tenantOf(), 10, 60);
    expect(other.map((c) => c.expect)).not.toEqual(first.map((c) => c.expect));
  });

  it('names the change by what a sync stores: a user update promises its new jobTitle, a deletion no live user', () => {
    const tenant = tenantOf();
    const changes = make(tenant, 2, 80);
    const update = changes.find((c) => c.kind === 'userUpdated')!;
    expect(update.expect).toMatchObject({ what: 'user', live: true, jobTitle: `Steady change ${update.seq}` });
    const deletion = changes.find((c) => c.kind === 'userDeleted')!;
    expect(deletion.expect).toMatchObject({ what: 'user', live: false });
    expect(tenant.getUser((deletion.expect as { id: string }).id)?.state ?? 'gone').not.toBe('active');
  });

  it('paces the changes: change n is due (n - 1) / rate seconds after the start, and stops at the duration', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const steady = startSteadyChanges(tenantOf(), { ratePerSecond: 5, durationMs: 2_000, seed: 4, now: () => 0 });
    expect(steady.log).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(199);
    expect(steady.log).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(steady.log).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(800);
    expect(steady.log).toHaveLength(6);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await steady.done).toHaveLength(10);
  });

  it('stops when told to, keeping what it made', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const steady = startSteadyChanges(tenantOf(), { ratePerSecond: 10, durationMs: 60_000, seed: 4 });
    await vi.advanceTimersByTimeAsync(450);
    steady.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await steady.done).toHaveLength(5);
  });

  it('runs from the control API: POST /_sim/changes/steady starts a stream, GET lists its changes, a bad body is refused', async () => {
    const sim = await start({ users: 100, seed: 8 });
    try {
      expect((await control(sim, 'POST', '/changes/steady', { ratePerSecond: 0 })).status).toBe(400);
      const started = await control(sim, 'POST', '/changes/steady', { ratePerSecond: 100, durationSeconds: 0.1, seed: 3 });
      expect(started.status).toBe(201);
      let state: { running: boolean; changes: TenantChange[] } = { running: true, changes: [] };
      for (const deadline = Date.now() + 10_000; state.running && Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
        state = (await control(sim, 'GET', '/changes/steady')).body as typeof state;
      }
      expect(state.running).toBe(false);
      expect(state.changes.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      for (const change of state.changes) expect(holds(change.expect, sim.tenant), `change ${change.seq} (${change.kind})`).toBe(true);
    } finally {
      await sim.close();
    }
  });
});
