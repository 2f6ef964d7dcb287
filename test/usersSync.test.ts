import { describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../simulator/server';
import { recordHistoryIfAsked } from './support/histories';
import { useSyncFixture } from './support/syncFixture';
import { SyncHarness } from './support/syncHarness';

const USERS = 230;
const PAGE_SIZE = 50;

let sim: RunningSimulator;
let harness: SyncHarness;

const deltaRequests = () => sim.requestLog.entries().filter((e) => e.path.startsWith('/v1.0/users/delta'));
const liveIds = async () =>
  (await harness.query<{ id: string }>('select id from users where connector_id = $1 and deleted_at is null order by id', [harness.connectorId])).map((r) => r.id);
const cursor = async () =>
  (await harness.query<{ delta_link: string }>('select delta_link from delta_cursors where connector_id = $1 and stream = $2', [harness.connectorId, 'users']))[0]?.delta_link;
/** Every byte of the users table and the cursors, to prove a failed run changed nothing. */
const digest = async () =>
  (
    await harness.query<{ users: string; cursors: string }>(
      `select (select md5(coalesce(string_agg(u::text, '|' order by u.id), '')) from users u where connector_id = $1) as users,
              (select md5(coalesce(string_agg(c::text, '|' order by c.stream), '')) from delta_cursors c where connector_id = $1) as cursors`,
      [harness.connectorId],
    )
  )[0]!;

useSyncFixture({ seed: 11, users: USERS, pageSize: PAGE_SIZE }, (started) => ({ sim, harness } = started));

describe('users stream, end to end through Temporal, PostgreSQL and the HTTPS simulator', () => {
  it('bootstraps every user, commits the cursor and records the run', async () => {
    const run = await harness.sync();
    const { summary } = run;
    await recordHistoryIfAsked(harness.client, run, 'users-bootstrap-succeeded');

    expect(summary.streams.users).toMatchObject({ mode: 'bootstrap', upserted: USERS, removed: 0, pages: Math.ceil(USERS / PAGE_SIZE) });
    expect(await liveIds()).toEqual(sim.tenant.activeUsers().map((u) => u.id).sort());
    const [sample] = sim.tenant.activeUsers();
    const [stored] = await harness.query('select user_principal_name, user_type, account_enabled, data from users where connector_id = $1 and id = $2', [
      harness.connectorId,
      sample!.id,
    ]);
    expect(stored).toMatchObject({ user_principal_name: sample!.userPrincipalName, user_type: sample!.userType, account_enabled: sample!.accountEnabled });
    expect(await cursor()).toMatch(/\$deltatoken=/);
    const runs = await harness.query('select status, error_kind from sync_runs where connector_id = $1', [harness.connectorId]);
    expect(runs).toEqual([{ status: 'succeeded', error_kind: null }]);
    expect(await harness.query('select count(*)::int as n from staged_objects')).toEqual([{ n: 0 }]);
  });

  it('pulls only the changes from the stored deltaLink and applies adds, updates, soft and hard deletes', async () => {
    const storedCursor = await cursor();
    const [a, b, c, d] = sim.tenant.activeUsers();
    const added = [sim.tenant.createUser({ displayName: 'Ada Lovelace' }), sim.tenant.createUser({ displayName: 'Alan Turing' })];
    sim.tenant.updateUser(a!.id, { jobTitle: 'Chief Posture Officer', accountEnabled: false });
    sim.tenant.softDeleteUser(b!.id);
    sim.tenant.hardDeleteUser(c!.id);
    sim.tenant.softDeleteUser(d!.id);
    sim.tenant.restoreUser(d!.id);
    sim.requestLog.clear();

    const { summary } = await harness.sync();

    const first = deltaRequests()[0]!;
    expect(`${sim.config.authorityHost}${first.path}`).toBe(storedCursor);
    expect(deltaRequests()).toHaveLength(1); // 5 changed objects fit one page: no initial round again
    // d came back (soft-deleted, then restored) unchanged: delivered, but nothing to write.
    expect(summary.streams.users).toMatchObject({ mode: 'incremental', upserted: 3, removed: 2, pages: 1 });
    expect(await liveIds()).toEqual(sim.tenant.activeUsers().map((u) => u.id).sort());

    const rows = await harness.query<{ id: string; job: string | null; account_enabled: boolean | null; deletion_kind: string | null }>(
      `select id, data->>'jobTitle' as job, account_enabled, deletion_kind from users where connector_id = $1 and id = any($2) order by id`,
      [harness.connectorId, [a!.id, b!.id, c!.id, d!.id, ...added.map((u) => u.id)]],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(a!.id)).toMatchObject({ job: 'Chief Posture Officer', account_enabled: false, deletion_kind: null });
    expect(byId.get(b!.id)?.deletion_kind).toBe('soft_deleted');
    expect(byId.get(c!.id)?.deletion_kind).toBe('hard_deleted');
    expect(byId.get(d!.id)?.deletion_kind).toBeNull();
    for (const u of added) expect(byId.get(u.id)?.deletion_kind).toBeNull();
    expect(await cursor()).not.toBe(storedCursor);
  });

  it('leaves the cursor and every live row byte for byte as they were when an activity fails permanently', async () => {
    const before = await digest();
    sim.tenant.createUser({ displayName: 'Grace Hopper' });
    sim.tenant.updateUser(sim.tenant.activeUsers()[5]!.id, { department: 'Red Team' });
    sim.faults.add({ pathPrefix: '/v1.0/users/delta', nth: 1, status: 400, code: 'Request_BadRequest', message: 'Invalid request.' });

    const failure = await harness.failingSync();
    await recordHistoryIfAsked(harness.client, failure, 'users-incremental-failed');

    expect(failure.type).toBe('GraphRequestRejected');
    expect(failure.message).toContain('HTTP 400 Request_BadRequest');
    expect(await digest()).toEqual(before);
    const [run] = await harness.query(`select status, error_kind, error_message from sync_runs where workflow_id = $1`, [failure.workflowId]);
    expect(run).toMatchObject({ status: 'failed', error_kind: 'GraphRequestRejected' });
    expect(run!.error_message).toContain('users/delta');
    // The failed run keeps what it staged, for a reset to resume, until a newer run commits.
    const [kept] = await harness.query(`select staging_discarded_at is null as kept from sync_runs where workflow_id = $1`, [failure.workflowId]);
    expect(kept).toEqual({ kept: true });

    // The changes are not lost: the next run picks them up from the untouched cursor.
    const { summary } = await harness.sync();
    expect(summary.streams.users).toMatchObject({ mode: 'incremental', upserted: 2 });
    expect(await liveIds()).toEqual(sim.tenant.activeUsers().map((u) => u.id).sort());
    expect(await harness.query('select count(*)::int as n from staged_objects')).toEqual([{ n: 0 }]);
  });

  it('resumes a retried attempt at the page where the failed one stopped, not at page 1', async () => {
    sim.deltaTokens.expireAll('users'); // force a full round of several pages
    sim.requestLog.clear();
    // Fail the 4th delta request with an error the activity does not retry in place: the attempt
    // dies after 3 pages, and Temporal retries the activity with its last heartbeat.
    sim.faults.add({ pathPrefix: '/v1.0/users/delta', nth: 4, status: 401, code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' });

    const run = await harness.sync();
    const { summary } = run;
    await recordHistoryIfAsked(harness.client, run, 'users-resync-with-activity-retry');

    const paths = deltaRequests().map((e) => e.path);
    // 1: expired cursor (400), 2: initial round page 1, 3: page 2, 4: page 3 link fails (401), 5: same link again.
    expect(deltaRequests()[0]!.status).toBe(400);
    expect(deltaRequests()[3]!.status).toBe(401);
    expect(paths[4]).toBe(paths[3]);
    expect(paths.filter((p) => !p.includes('$skiptoken') && !p.includes('$deltatoken'))).toHaveLength(1);
    expect(summary.streams.users).toMatchObject({ mode: 'bootstrap', resyncReason: 'syncStateNotFound' });
    expect(await liveIds()).toEqual(sim.tenant.activeUsers().map((u) => u.id).sort());
  });
});

describe('a wrong client secret', () => {
  it('fails fast, without retries, with the AADSTS7000215 fix and no secret in sight', async () => {
    const wrongSecret = 'Q~wrong-secret-value-000000000000000000';
    const bad = await SyncHarness.start(sim.config, { secret: wrongSecret });
    try {
      const failure = await bad.failingSync();
      expect(failure.type).toBe('InvalidClientSecret');
      expect(failure.message).toContain('AADSTS7000215');
      expect(failure.message).toContain('set ENTRA_CLIENT_SECRET to its Value (not its Secret ID)');
      expect(failure.message).not.toContain(wrongSecret);
      const [run] = await bad.query('select status, error_kind from sync_runs');
      expect(run).toEqual({ status: 'failed', error_kind: 'InvalidClientSecret' });
      const events = (await bad.client.workflow.getHandle(failure.workflowId, failure.workflowRunId).fetchHistory()).events ?? [];
      // Fast means no retry: every activity ran exactly once.
      const attempts = events.flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : []));
      expect(attempts.length).toBeGreaterThan(0);
      expect(attempts.every((attempt) => attempt === 1)).toBe(true);
      const history = JSON.stringify(events);
      expect(history).not.toContain(wrongSecret);
      expect(history).not.toContain(sim.config.clientSecret);
      const tokenRequests = sim.requestLog.entries().filter((e) => e.path.includes('/oauth2/v2.0/token') && e.status === 401);
      expect(tokenRequests.length).toBeGreaterThanOrEqual(1);
    } finally {
      await bad.stop();
    }
  });
});
