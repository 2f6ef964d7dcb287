import { describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../simulator/server';
import { expectInventoryMatchesTruth } from './support/inventoryTruth';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

// Identity delta links live seven days (Microsoft Graph blog, "Duration of change tracking tokens
// for identity and education resources"): later, Graph answers 400 syncStateNotFound. The
// simulator's clock ages the tokens; the connector re-bootstraps each stream and tombstones by absence.

let sim: RunningSimulator;
let harness: SyncHarness;

useSyncFixture({ seed: 47, users: 60, pageSize: 20 }, (started) => ({ sim, harness } = started));

const DAY = 86_400;
const STREAMS = ['users', 'groups', 'applications', 'servicePrincipals'] as const;
const advance = async (seconds: number) => {
  const answer = await fetch(`${sim.config.authorityHost}/_sim/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });
  expect(answer.status).toBe(200);
};
const deletionKind = async (table: string, id: string) =>
  (await harness.query<{ deletion_kind: string | null }>(`select deletion_kind from ${table} where connector_id = $1 and id = $2`, [harness.connectorId, id]))[0]?.deletion_kind;

describe('delta tokens age by the tenant clock', () => {
  it('a cursor younger than seven days is still read incrementally', async () => {
    const first = await harness.sync();
    for (const stream of STREAMS) expect(first.summary.streams[stream]!.mode, stream).toBe('bootstrap');
    await advance(7 * DAY - 3600);
    const { summary } = await harness.sync();
    for (const stream of STREAMS) expect(summary.streams[stream]!.mode, stream).toBe('incremental');
  });

  it('a cursor older than seven days (400 syncStateNotFound) re-bootstraps every stream and tombstones what vanished meanwhile', async () => {
    const goneUser = sim.tenant.activeObjects('users')[3]!;
    const goneGroup = sim.tenant.activeObjects('groups')[2]!;
    sim.tenant.hardDeleteUser(goneUser.id);
    sim.tenant.hardDeleteObject('groups', goneGroup.id);
    await advance(7 * DAY + 60);
    sim.requestLog.clear();

    const { summary } = await harness.sync();

    for (const stream of STREAMS) expect(summary.streams[stream], stream).toMatchObject({ mode: 'bootstrap', resyncReason: 'syncStateNotFound' });
    const expired = sim.requestLog.entries().filter((e) => e.status === 400 && /\/delta\?\$deltatoken=/i.test(e.path));
    expect(expired.map((e) => e.path.split('?')[0]).sort()).toEqual(STREAMS.map((s) => `/v1.0/${s}/delta`).sort());
    await expectInventoryMatchesTruth(harness.db, harness.connectorId, sim.tenant);
    expect(await deletionKind('users', goneUser.id)).toBe('absent');
    expect(await deletionKind('groups', goneGroup.id)).toBe('absent');
  });

  // Each form Graph (or a proxy in front of it) may give an expired cursor: all mean "sync again".
  it.each([
    [400, 'SyncStateNotFound', 'syncStateNotFound'],
    [400, 'syncstatenotfound', 'syncStateNotFound'],
    [410, 'syncStateNotFound', 'resyncRequired'],
    [410, 'resyncRequired', 'resyncRequired'],
    [410, 'ResyncRequired', 'resyncRequired'],
  ] as const)('an expired cursor answered %s %s re-bootstraps the same way', async (status, code, reason) => {
    sim.deltaSettings.expiredTokenAnswer = { status, code };
    try {
      const gone = sim.tenant.activeObjects('users')[1]!;
      sim.tenant.hardDeleteUser(gone.id);
      await advance(7 * DAY + 60);

      const { summary } = await harness.sync();

      for (const stream of STREAMS) expect(summary.streams[stream], stream).toMatchObject({ mode: 'bootstrap', resyncReason: reason });
      await expectInventoryMatchesTruth(harness.db, harness.connectorId, sim.tenant);
      expect(await deletionKind('users', gone.id)).toBe('absent');
    } finally {
      delete sim.deltaSettings.expiredTokenAnswer;
    }
  });
});
