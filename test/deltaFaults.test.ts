import { describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../simulator/server';
import { expectInventoryMatchesTruth } from './support/inventoryTruth';
import { useSyncFixture } from './support/syncFixture';
import type { SyncHarness } from './support/syncHarness';

// Graph answers a delta client may meet (docs/graph-behaviour.md): a 410 whose Location is the
// documented bare URL, a page token that expired, a malformed members@delta.

let sim: RunningSimulator;
let harness: SyncHarness;

const USERS_DELTA = '/v1.0/users/delta';
const requestsTo = (prefix: string) => sim.requestLog.entries().filter((e) => e.path.startsWith(prefix));
const matchesTruth = () => expectInventoryMatchesTruth(harness.db, harness.connectorId, sim.tenant);
/** Every byte of the groups, their memberships and the cursors, to prove a failed run changed nothing. */
const digest = async () =>
  (
    await harness.query(
      `select (select md5(coalesce(string_agg(g::text, '|' order by g.id), '')) from groups g where connector_id = $1) as groups,
              (select md5(coalesce(string_agg(m::text, '|' order by m.group_id, m.member_id), '')) from group_members m where connector_id = $1) as members,
              (select md5(coalesce(string_agg(c::text, '|' order by c.stream), '')) from delta_cursors c where connector_id = $1) as cursors`,
      [harness.connectorId],
    )
  )[0]!;
/** accountEnabled and userType of every live user, against the simulator's. */
async function expectUserFlagsMatchTruth(): Promise<void> {
  const rows = await harness.query<{ id: string; account_enabled: boolean | null; user_type: string | null }>(
    'select id, account_enabled, user_type from users where connector_id = $1 and deleted_at is null order by id',
    [harness.connectorId],
  );
  const truth = [...sim.tenant.activeUsers()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((u) => ({ id: u.id, account_enabled: u.accountEnabled, user_type: u.userType }));
  expect(rows).toEqual(truth);
}

useSyncFixture({ seed: 61, users: 120, pageSize: 25 }, (started) => ({ sim, harness } = started), (s) => {
  s.deltaSettings.membersPerEntry = 15;
});

describe('delta streams when Graph answers as it documents it may', () => {
  it('bootstraps every stream', async () => {
    await harness.sync();
    await matchesTruth();
    await expectUserFlagsMatchTruth();
  });

  it('a 410 whose Location lacks $select re-bootstraps with the connector\'s own query: accountEnabled and userType stay', async () => {
    sim.deltaSettings.bareResyncLocation = true;
    try {
      sim.deltaTokens.resetAll('users');
      sim.requestLog.clear();

      const { summary } = await harness.sync();

      expect(summary.streams.users).toMatchObject({ mode: 'bootstrap', resyncReason: 'resyncRequired' });
      const [gone, restart] = requestsTo(USERS_DELTA);
      expect(gone!.status).toBe(410);
      // The restart is the connector's initial query, on its own endpoint, with its own $select.
      const restartUrl = new URL(`${sim.config.authorityHost}${restart!.path}`);
      expect(restartUrl.pathname).toBe(USERS_DELTA);
      expect(restartUrl.searchParams.get('$deltatoken') ?? '').toBe('');
      expect(restartUrl.searchParams.get('$select')?.split(',')).toEqual(expect.arrayContaining(['accountEnabled', 'userType']));
      await expectUserFlagsMatchTruth();
      await matchesTruth();

      // The cursor that round left tracks the selected properties too.
      const user = sim.tenant.activeUsers().find((u) => u.accountEnabled)!;
      sim.tenant.updateUser(user.id, { accountEnabled: false });
      await harness.sync();
      await expectUserFlagsMatchTruth();
    } finally {
      sim.deltaSettings.bareResyncLocation = false;
    }
  });

  it('an expired page token mid-round restarts the round from the run\'s start link, and the run commits', async () => {
    const changed = sim.tenant.activeUsers().slice(0, 60);
    for (const [i, user] of changed.entries()) sim.tenant.updateUser(user.id, { jobTitle: `Engineer ${i}` });
    sim.requestLog.clear();
    // The first nextLink of the round answers 400 Directory_ExpiredPageToken.
    sim.faults.add({ kind: 'expiredPageToken', pathPrefix: USERS_DELTA });

    const { summary } = await harness.sync();

    const users = requestsTo(USERS_DELTA);
    expect(users[1]!.status).toBe(400);
    expect(users[1]!.path).toContain('$skiptoken');
    expect(users[2]!.path).toBe(users[0]!.path); // the run's start link, the stored cursor
    expect(users.slice(2).every((e) => e.status === 200)).toBe(true);
    expect(summary.streams.users).toMatchObject({ mode: 'incremental', upserted: changed.length, removed: 0 });
    await matchesTruth();
    const [run] = await harness.query('select status, error_kind from sync_runs where id = $1', [summary.syncRunId]);
    expect(run).toEqual({ status: 'succeeded', error_kind: null });
  });

  // A 400 on the start link itself still fails the run: usersSync.test.ts.
  it('any other 400 on a nextLink restarts the round too', async () => {
    for (const user of sim.tenant.activeUsers().slice(0, 60)) sim.tenant.updateUser(user.id, { department: 'Audit' });
    sim.requestLog.clear();
    sim.faults.add({ pathPrefix: USERS_DELTA, nth: 2, status: 400, code: 'Request_BadRequest', message: 'Invalid request.' });

    const { summary } = await harness.sync();

    const users = requestsTo(USERS_DELTA);
    expect(users.map((e) => e.status).slice(0, 3)).toEqual([200, 400, 200]);
    expect(users[2]!.path).toBe(users[0]!.path);
    expect(summary.streams.users).toMatchObject({ mode: 'incremental', upserted: 60 });
    await matchesTruth();
  });

  for (const malformation of ['notArray', 'memberWithoutId'] as const) {
    it(`a members@delta that is malformed (${malformation}) fails the run naming the group and the page, committing nothing`, async () => {
      const before = await digest();
      const [group] = sim.tenant.activeObjects('groups');
      const newcomer = sim.tenant.createUser({ displayName: `Newcomer ${malformation}` });
      sim.tenant.addGroupMember(group!.id, newcomer.id);
      sim.deltaTokens.expireAll('groups'); // a bootstrap: skipping members silently would delete memberships
      // Request 1 is the expired cursor; request 2 the first page of the new round.
      sim.faults.add({ kind: 'malformedMembersDelta', pathPrefix: '/v1.0/groups/delta', nth: 2, malformation });

      const failure = await harness.failingSync();

      expect(failure.type).toBe('GraphBadResponse');
      expect(failure.message).toContain('members@delta');
      expect(failure.message).toContain('page 1 of groups/delta');
      const named = /group ([0-9a-f-]{36})/.exec(failure.message)?.[1];
      expect(sim.tenant.activeObjects('groups').map((g) => g.id)).toContain(named);
      expect(failure.message).toContain(malformation === 'notArray' ? 'not an array' : 'without an id');
      expect(await digest()).toEqual(before);
      const [run] = await harness.query('select status, error_kind from sync_runs where workflow_id = $1', [failure.workflowId]);
      expect(run).toEqual({ status: 'failed', error_kind: 'GraphBadResponse' });
      expect(await harness.query('select count(*)::int as n from staged_memberships')).toEqual([{ n: 0 }]);
      // Failed for good at once: the pull was not retried into a page that happened to be well formed.
      const events = (await harness.client.workflow.getHandle(failure.workflowId, failure.workflowRunId).fetchHistory()).events ?? [];
      const attempts = events.flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : []));
      expect(attempts.every((attempt) => attempt === 1)).toBe(true);

      // Nothing is lost: the next run reads the same round again from the untouched cursor.
      sim.faults.clear();
      await harness.sync();
      await matchesTruth();
    });
  }
});
