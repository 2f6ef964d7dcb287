import { describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../simulator/server';
import { expectInventoryMatchesTruth } from './support/inventoryTruth';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

// An expired client secret (docs/graph-behaviour.md, "Expired client secret"): the token endpoint
// answers AADSTS7000222 once the secret's end date passes by the tenant's clock.

let sim: RunningSimulator;
let harness: SyncHarness;

// Access tokens short enough that MSAL asks the token endpoint at every activity: a token issued
// before the secret expired would otherwise keep working until its own end, as in Entra.
useSyncFixture({ seed: 83, users: 40, pageSize: 20, tokenLifetimeSeconds: 120 }, (started) => ({ sim, harness } = started));

const control = (path: string, method: string, body: unknown) =>
  fetch(`${sim.config.authorityHost}/_sim${path}`, { method, body: JSON.stringify(body) });

describe('an expired client secret', () => {
  it('fails the run at once, not retried, telling the operator to rotate the secret; what was committed stays', async () => {
    await harness.sync();
    const day = 86_400;
    expect((await control('/app/secret', 'PATCH', { expiresAt: new Date(Date.now() + day * 1000).toISOString() })).status).toBe(200);
    expect((await control('/clock/advance', 'POST', { seconds: 2 * day })).status).toBe(200);
    sim.tenant.createUser({ displayName: 'Arrives While Locked Out' });

    const failed = await harness.failingSync();

    expect(failed.type).toBe('ExpiredClientSecret');
    expect(failed.message).toContain('(AADSTS7000222)');
    expect(failed.message).toContain('Rotate it');
    expect(failed.message).toContain('docs/operations.md, "Rotating the client secret of a connector"');
    expect(failed.message).not.toContain(sim.config.clientSecret);
    const history = await harness.client.workflow.getHandle(failed.workflowId, failed.workflowRunId).fetchHistory();
    const attempts = (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : []));
    expect(Math.max(...attempts)).toBe(1);
    const [run] = await harness.query<{ status: string; error_kind: string; error_message: string }>(
      'select status, error_kind, error_message from sync_runs where connector_id = $1 order by id desc limit 1',
      [harness.connectorId],
    );
    expect(run).toMatchObject({ status: 'failed', error_kind: 'ExpiredClientSecret' });
    expect(run!.error_message).not.toContain(sim.config.clientSecret);

    // The operator rotates the secret (here: the secret's end date lifted); the next run lands everything.
    expect((await control('/app/secret', 'PATCH', { expiresAt: null })).status).toBe(200);
    await harness.sync();
    await expectInventoryMatchesTruth(harness.db, harness.connectorId, sim.tenant);
  });
});
