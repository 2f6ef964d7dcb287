import { describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../simulator/server';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

// Entra's service limits: at most 100 users and service principals own one application. Graph
// lists /applications/{id}/owners 100 to a page by default, so a full owner list is one page.

let sim: RunningSimulator;
let harness: SyncHarness;

useSyncFixture({ seed: 59, users: 140, pageSize: 50 }, (started) => ({ sim, harness } = started));

describe('an application with the most owners Entra allows', () => {
  it('is read whole (100 owners), and a 101st owner is refused by the directory', async () => {
    const app = sim.tenant.activeObjects('applications')[0]!;
    const candidates = sim.tenant.activeObjects('users').map((u) => u.id);
    for (const userId of candidates) {
      if (sim.tenant.activeOwnersOf(app.id).length === 100) break;
      if (!sim.tenant.activeOwnersOf(app.id).includes(userId)) sim.tenant.addOwner(app.id, userId);
    }
    const owners = [...sim.tenant.activeOwnersOf(app.id)].sort();
    expect(owners).toHaveLength(100);
    const extra = candidates.find((id) => !owners.includes(id))!;
    const refused = await fetch(`${sim.config.authorityHost}/_sim/applications/${app.id}/owners`, { method: 'POST', body: JSON.stringify({ ownerId: extra }) });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/100 owners/);

    await harness.sync();

    const stored = await harness.query<{ owner_id: string }>('select owner_id from owners where connector_id = $1 and object_id = $2', [harness.connectorId, app.id]);
    expect(stored.map((r) => r.owner_id).sort()).toEqual(owners);
  });
});
