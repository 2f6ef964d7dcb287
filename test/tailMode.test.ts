import pg from 'pg';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../simulator/server';
import { EntraTailWorkflow, tailStatusQuery, triggerSignal, type TailStatus } from '../workflows/entraTail';
import { syncWorkflowId, tailWorkflowId } from '../workflows/ids';
import { setConnectorTail } from '../activities/store/connectorTail';
import { until, untilHeld } from '../reliability/waits';
import { resetTo } from '../reliability/resets';
import type { SyncHarness } from './support/syncHarness';
import { useSyncFixture } from './support/syncFixture';
import { tenantDifferences } from './support/tenantTruth';
import { changeTenantForTail } from './support/tailChanges';
import { recordHistoryIfAsked } from './support/histories';
import { reportRequestFree } from '../activities/graph/reportBudget';

let sim: RunningSimulator;
let harness: SyncHarness;
useSyncFixture({ seed: 281, users: 120, pageSize: 40 }, (started) => ({ sim, harness } = started));

const USERS_DELTA = '/v1.0/users/delta';

let tail: WorkflowHandle<typeof EntraTailWorkflow> | undefined;
afterAll(async () => {
  await tail?.terminate('test over').catch(() => undefined);
});

/** The tail of the harness's connector, on its task queue; an hour's backstop, so only triggers start passes. */
async function startTail(): Promise<WorkflowHandle<typeof EntraTailWorkflow>> {
  await setConnectorTail(harness.db, harness.connectorId, { enabled: true, intervalSeconds: 3600 });
  tail = await harness.client.workflow.start(EntraTailWorkflow, {
    taskQueue: harness.taskQueue,
    workflowId: tailWorkflowId(harness.connectorId),
    args: [{ connectorId: harness.connectorId }],
  });
  return tail;
}

const status = () => tail!.query(tailStatusQuery);
const statusWhen = (what: string, check: (s: TailStatus) => boolean) => until(what, async () => ((s) => (check(s) ? s : undefined))(await status()));

/** The credential audit log row of a run: pulled, or deferred (docs/run-lifecycle.md, "The audit log only when a report request is free"). */
const auditRow = async (syncRunId: number) =>
  (await harness.query<{ pulled: boolean; coverage: string | null; reason: string | null }>(
    `select pulled_at is not null as pulled, coverage, coverage_reason as reason from sync_run_streams where run_id = $1 and stream = 'credentialAuditEvents'`,
    [syncRunId],
  ))[0];

const connectorApp = async () =>
  (await harness.query<{ tenantId: string; clientId: string }>('select tenant_id as "tenantId", client_id as "clientId" from connectors where id = $1', [harness.connectorId]))[0]!;

/**
 * From a committed pass, until one that read the credential audit log has committed: a pass
 * defers it while the reports budget has no request free (a full run just spent it), so an
 * audit-only change (an app's new owner) lands with the first pass that reads it. Each further
 * pass is triggered once a report request is free; every wait has a deadline.
 */
async function untilAuditRead(handle: WorkflowHandle<typeof EntraTailWorkflow>, from: TailStatus): Promise<TailStatus> {
  let current = from;
  for (let pass = 0; !(current.lastPass?.outcome === 'committed' && (await auditRow(current.lastPass.syncRunId))?.pulled); pass++) {
    if (pass >= 5) throw new Error(`5 passes after ${JSON.stringify(from.lastPass)} and none read the audit log`);
    const app = await connectorApp();
    await until('a report request free', async () => ((await reportRequestFree(harness.db, app)) ? true : undefined));
    const passes = current.passes;
    await handle.signal(triggerSignal, { reason: 'a pass that reads the audit log' });
    current = await statusWhen('the pass that reads the audit log', (s) => s.passes > passes && s.state === 'waiting');
  }
  return current;
}

type RunRow = { id: string; kind: string; status: string; errorKind: string | null; reopened: number; base: string };
const runs = () =>
  harness.query<RunRow>(
    `select id::text, kind, status, error_kind as "errorKind", reopened, base_generation::text as base from sync_runs where connector_id = $1 order by id`,
    [harness.connectorId],
  );

/** Every activity of the workflow ran once: no retry. */
async function attemptsOf(workflowId: string): Promise<number[]> {
  const history = await harness.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : []));
}

/** Waits in the lock queue on the connector row (a finalize or a run's opening). */
const lockWaiters = async () =>
  (await harness.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like 'select 1 from connectors where id = $1 for no key update%'`))[0]!.n;

describe('tail mode on the real stack', { timeout: 240_000 }, () => {
  it('a pass lands users, groups, memberships, owners, role assignments and credentials without a full run', async () => {
    await harness.sync();
    const handle = await startTail();
    const first = await statusWhen('the first pass', (s) => s.passes >= 1 && s.state === 'waiting');
    expect(first.lastPass?.outcome).toBe('committed');

    const applied = changeTenantForTail(sim.tenant, 1);
    expect(await tenantDifferences(harness.db, harness.connectorId, sim.tenant)).not.toEqual([]);
    await handle.signal(triggerSignal, { reason: 'test change' });
    const landed = await statusWhen('the pass after the change', (s) => s.passes >= 2 && s.state === 'waiting');

    expect(landed.lastPass?.outcome, JSON.stringify(landed.lastPass)).toBe('committed');
    expect(landed.lastPass?.changes).toBeGreaterThan(0);
    await recordHistoryIfAsked(harness.client, { workflowId: `${handle.workflowId}-pass-2` }, 'tail-pass-incremental-committed');
    await untilAuditRead(handle, landed);
    expect(await tenantDifferences(harness.db, harness.connectorId, sim.tenant), applied.join(', ')).toEqual([]);
    const rows = await runs();
    expect(rows.filter((r) => r.kind === 'full').map((r) => r.status)).toEqual(['succeeded']);
    expect(rows.at(-1)).toMatchObject({ kind: 'tail', status: 'succeeded' });
    expect(await harness.query(`select 1 from staged_objects s join sync_runs r on r.id = s.run_id where r.connector_id = $1`, [harness.connectorId])).toEqual([]);
  });

  it('a full run that commits while a pass is in flight succeeds first time; the pass yields and the next one lands the rest', async () => {
    const handle = tail!;
    const before = (await status()).passes;
    changeTenantForTail(sim.tenant, 2);
    const held = sim.faults.add({ pathPrefix: USERS_DELTA, kind: 'hold', nth: 1 });
    await handle.signal(triggerSignal, { reason: 'held pass' });
    await untilHeld(sim, held.id);

    // The full run reads and commits while the pass waits on Graph.
    const full = await harness.sync();
    expect(await attemptsOf(full.workflowId)).not.toContain(2);
    sim.faults.remove(held.id);
    const yielded = await statusWhen('the held pass ended', (s) => s.passes === before + 1 && s.state === 'waiting');
    expect(yielded.lastPass?.outcome, JSON.stringify(yielded.lastPass)).toBe('yielded');
    await recordHistoryIfAsked(harness.client, { workflowId: `${handle.workflowId}-pass-${before + 1}` }, 'tail-pass-yielded');
    const pass = (await runs()).find((r) => r.id === String(yielded.lastPass!.syncRunId));
    expect(pass).toMatchObject({ kind: 'tail', status: 'failed', errorKind: 'TailPassYielded' });

    changeTenantForTail(sim.tenant, 3);
    await handle.signal(triggerSignal, { reason: 'after the full run' });
    const next = await statusWhen('the next pass', (s) => s.passes === before + 2 && s.state === 'waiting');
    expect(next.lastPass?.outcome, JSON.stringify(next.lastPass)).toBe('committed');
    await untilAuditRead(handle, next);
    expect(await tenantDifferences(harness.db, harness.connectorId, sim.tenant)).toEqual([]);
    expect((await runs()).filter((r) => r.errorKind === 'CursorConflict' || r.reopened > 0)).toEqual([]);
  });

  it('a full run that opens while a pass commits waits for it, reads the generation after it, and succeeds first time', async () => {
    const handle = tail!;
    const before = (await status()).passes;
    changeTenantForTail(sim.tenant, 4);
    // The pass opens and is held on Graph; then another session holds the connector row, so the
    // pass's finalize queues on it first, and the full run's opening after it.
    const held = sim.faults.add({ pathPrefix: USERS_DELTA, kind: 'hold', nth: 1 });
    await handle.signal(triggerSignal, { reason: 'pass to hold in its commit' });
    await untilHeld(sim, held.id);
    const hold = new pg.Client({ connectionString: harness.databaseUrl });
    await hold.connect();
    await hold.query('begin');
    await hold.query('select 1 from connectors where id = $1 for no key update', [harness.connectorId]);
    let full: ReturnType<SyncHarness['sync']> | undefined;
    try {
      sim.faults.remove(held.id);
      await until('the pass waiting on the connector row', async () => ((await lockWaiters()) >= 1 ? true : undefined));
      full = harness.sync();
      await until('the full run waiting on the connector row too', async () => ((await lockWaiters()) >= 2 ? true : undefined));
    } finally {
      await hold.query('commit');
      await hold.end();
    }
    const fullRun = await full!;
    const committed = await statusWhen('the pass committed', (s) => s.passes === before + 1 && s.state === 'waiting');
    expect(committed.lastPass?.outcome, JSON.stringify(committed.lastPass)).toBe('committed');

    const rows = await runs();
    const pass = rows.find((r) => r.id === String(committed.lastPass!.syncRunId))!;
    const fullRow = rows.find((r) => r.id === String(fullRun.summary.syncRunId))!;
    expect(pass).toMatchObject({ kind: 'tail', status: 'succeeded' });
    expect(fullRow).toMatchObject({ kind: 'full', status: 'succeeded', reopened: 0 });
    // The full run read the generation the pass's commit made.
    expect(Number(fullRow.base)).toBe(Number(pass.base) + 1);
    expect(await attemptsOf(fullRun.workflowId)).not.toContain(2);
    expect(await tenantDifferences(harness.db, harness.connectorId, sim.tenant)).toEqual([]);
    expect(rows.filter((r) => r.errorKind === 'CursorConflict')).toEqual([]);
  });

  it('a pass triggered while a full run is running is refused without a row, and the tail resumes after it', async () => {
    const handle = tail!;
    const held = sim.faults.add({ pathPrefix: USERS_DELTA, kind: 'hold', nth: 1 });
    const full = harness.sync();
    await untilHeld(sim, held.id);
    await handle.signal(triggerSignal, { reason: 'during the full run' });
    const paused = await statusWhen('the tail paused', (s) => s.state === 'paused');
    expect(paused.pausedReason).toMatch(/full run is running/);
    const rowsDuring = (await runs()).length;
    sim.faults.remove(held.id);
    await full;
    changeTenantForTail(sim.tenant, 5);
    const before = (await status()).passes;
    await handle.signal(triggerSignal, { reason: 'after the full run' });
    const next = await statusWhen('a pass after the full run', (s) => s.passes > before && s.state === 'waiting');
    expect(next.lastPass?.outcome, JSON.stringify(next.lastPass)).toBe('committed');
    expect((await runs()).length).toBe(rowsDuring + 1);
    await untilAuditRead(handle, next);
    expect(await tenantDifferences(harness.db, harness.connectorId, sim.tenant)).toEqual([]);
  });

  it('a pass that finds its delta token expired asks for a full run instead of re-reading the stream, and the tail resumes after it', async () => {
    const handle = tail!;
    const before = (await status()).passes;
    changeTenantForTail(sim.tenant, 6);
    sim.faults.add({ pathPrefix: USERS_DELTA, status: 410, nth: 1 });
    await handle.signal(triggerSignal, { reason: 'expired token' });
    const paused = await statusWhen('the tail paused for a full run', (s) => s.passes === before + 1 && s.state === 'paused');
    expect(paused.pausedReason).toBe('waiting for a full run to re-read users (delta token expired)');
    const pass = (await runs()).find((r) => r.id === String(paused.lastPass!.syncRunId));
    expect(pass).toMatchObject({ kind: 'tail', status: 'failed', errorKind: 'TailNeedsFullRun' });
    // The pass did not bootstrap users inside the tail: it read no users page after the 410.
    expect(await harness.query(`select mode, pulled_at from sync_run_streams where run_id = $1 and stream = 'users'`, [pass!.id])).toEqual([{ mode: 'incremental', pulled_at: null }]);

    // The harness has no schedule: the tail started the full run as the schedule would.
    const full = harness.client.workflow.getHandle(syncWorkflowId(harness.connectorId));
    await until('the requested full run to commit', async () => ((await full.describe()).status.name === 'COMPLETED' ? true : undefined));
    await handle.signal(triggerSignal, { reason: 'after the full run' });
    const resumed = await statusWhen('the tail resumed', (s) => s.passes === before + 2 && s.state === 'waiting');
    expect(resumed.lastPass?.outcome, JSON.stringify(resumed.lastPass)).toBe('committed');
    await untilAuditRead(handle, resumed);
    expect(await tenantDifferences(harness.db, harness.connectorId, sim.tenant)).toEqual([]);
  });

  it('a failed full run reset after a pass committed continues as new: a fresh full run commits, nothing goes backwards', async () => {
    const handle = tail!;
    sim.faults.add({ pathPrefix: USERS_DELTA, status: 400, nth: 1 });
    const failed = await harness.failingSync();
    expect(failed.type).toBe('GraphRequestRejected');
    const [failedRow] = await harness.query<{ id: string; kind: string; status: string }>('select id::text, kind, status from sync_runs where workflow_run_id = $1', [failed.workflowRunId]);
    expect(failedRow).toMatchObject({ kind: 'full', status: 'failed' });

    // A pass commits while the failed run keeps its staging for a reset; its commit discards it.
    const before = (await status()).passes;
    changeTenantForTail(sim.tenant, 7);
    await handle.signal(triggerSignal, { reason: 'after the failed run' });
    const passed = await statusWhen('the pass after the failed run', (s) => s.passes === before + 1 && s.state === 'waiting');
    expect(passed.lastPass?.outcome, JSON.stringify(passed.lastPass)).toBe('committed');
    const [discarded] = await harness.query<{ discarded: boolean }>('select staging_discarded_at is not null as discarded from sync_runs where id = $1', [failedRow!.id]);
    expect(discarded).toEqual({ discarded: true });

    // The operator resets the failed run after its prepareRun: it cannot resume, so it starts over as a fresh full run.
    changeTenantForTail(sim.tenant, 8);
    const reset = await resetTo(harness.client, harness.client.workflow.getHandle(failed.workflowId, failed.workflowRunId), { after: 'prepareRun' });
    const summary = (await reset.result()) as { status: string; syncRunId: number };
    expect(summary.status).toBe('succeeded');
    const rows = await runs();
    expect(rows.find((r) => r.id === String(summary.syncRunId))).toMatchObject({ kind: 'full', status: 'succeeded', reopened: 0 });
    expect(rows.find((r) => r.id === failedRow!.id)).toMatchObject({ status: 'failed' });
    expect(rows.filter((r) => r.errorKind === 'CursorConflict')).toEqual([]);
    expect(await tenantDifferences(harness.db, harness.connectorId, sim.tenant)).toEqual([]);
  });
  it('a pass with no report request free defers the audit log: the watermark stays, and the next pass that reads it lands a new app owner', async () => {
    const handle = tail!;
    const watermark = async () =>
      (await harness.query<{ at: string }>(`select watermark::text as at from audit_watermarks where connector_id = $1 and stream = 'credentialAuditEvents'`, [harness.connectorId]))[0]?.at;
    const ownerRow = (appId: string, userId: string) =>
      harness.query(`select 1 from owners where connector_id = $1 and object_type = 'application' and object_id = $2 and owner_id = $3`, [harness.connectorId, appId, userId]);
    const before = await watermark();
    expect(before).toBeDefined();
    // The app's reports budget spent for the next hour, as every worker process sees it.
    const app = await connectorApp();
    await harness.query(
      `insert into report_request_slots (tenant_id, client_id, next_at) values (lower($1), lower($2), clock_timestamp() + interval '1 hour')
       on conflict (tenant_id, client_id) do update set next_at = excluded.next_at`,
      [app.tenantId, app.clientId],
    );
    // Found only through the audit log: an app's delta does not change with its owners.
    const target = sim.tenant.activeObjects('applications')[0]!;
    const owner = sim.tenant.activeObjects('users').find((u) => !sim.tenant.activeOwnersOf(target.id).includes(u.id))!;
    sim.tenant.addOwner(target.id, owner.id);

    const passes = (await status()).passes;
    await handle.signal(triggerSignal, { reason: 'no report request free' });
    const deferred = await statusWhen('the pass without a report request', (s) => s.passes === passes + 1 && s.state === 'waiting');
    expect(deferred.lastPass?.outcome, JSON.stringify(deferred.lastPass)).toBe('committed');
    expect(await auditRow(deferred.lastPass!.syncRunId)).toEqual({ pulled: false, coverage: 'unavailable', reason: expect.stringMatching(/^deferred: /) });
    expect(await watermark()).toBe(before);
    expect(await ownerRow(target.id, owner.id)).toEqual([]);

    await harness.query('delete from report_request_slots where tenant_id = lower($1) and client_id = lower($2)', [app.tenantId, app.clientId]);
    await handle.signal(triggerSignal, { reason: 'a report request free again' });
    const read = await statusWhen('the pass with a report request', (s) => s.passes === passes + 2 && s.state === 'waiting');
    expect(read.lastPass?.outcome, JSON.stringify(read.lastPass)).toBe('committed');
    expect((await auditRow(read.lastPass!.syncRunId))?.pulled).toBe(true);
    expect(await ownerRow(target.id, owner.id)).toHaveLength(1);
    expect(new Date((await watermark())!).getTime()).toBeGreaterThan(new Date(before!).getTime());
    expect(await tenantDifferences(harness.db, harness.connectorId, sim.tenant)).toEqual([]);
  });
});
