import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recomputeEntitlements } from '../activities/finalize/recomputeEntitlements';
import { rowsRead } from './support/rowsRead';
import { createTestDatabase } from './support/testDatabase';

const CONNECTOR = 'entitlements-bootstrap';
const USERS = 2_000;
const GROUP = 'group-everyone';
const APP = 'sp-app';
const ROLE = '00000000-0000-0000-0000-000000000000';

/**
 * A bootstrap's finalize writes the live tables and derives entitlements from them in one
 * transaction, before PostgreSQL has any statistics on them. The derivation must still read each
 * live table a bounded number of times: a plan that scans every user once per group member is
 * quadratic, minutes at 200,000 users and hours at 1,000,000 (docs/benchmarks-history.md, "1,000,000 users").
 * The tuple counts come from PostgreSQL's own per-transaction statistics, so nothing here depends
 * on the machine's speed.
 */
describe('entitlements derived in the transaction that wrote a whole tenant', () => {
  let pool: pg.Pool;

  beforeAll(async () => {
    // A fresh database: its live tables have never been analysed, as on a connector's first run.
    pool = new pg.Pool({ connectionString: await createTestDatabase(inject('postgresUrl'), 'entitlements'), max: 1 });
  });

  afterAll(async () => {
    await pool?.end();
  });

  // A connector's first commit stores none yet; a later bootstrap (an expired delta token) has some,
  // and diffs against them: one stale row stands for them.
  it.each([
    { stored: 'nothing stored', stale: false },
    { stored: 'a stale entitlement stored', stale: true },
  ])('gives every direct member of an assigned group the app, reading the users table linearly ($stored)', async ({ stale }) => {
    const tx = await pool.connect();
    try {
      await tx.query('begin');
      await tx.query(`insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host) values ($1, 't', 'c', 'https://graph', 'https://login')`, [CONNECTOR]);
      // A connector gets its partitions at its first commit (migration 0042), which this test stands in for.
      await tx.query('select create_connector_partitions($1)', [CONNECTOR]);
      const run = (await tx.query<{ id: string }>(`insert into sync_runs (connector_id, workflow_id, workflow_run_id) values ($1, 'w', 'r') returning id`, [CONNECTOR])).rows[0]!.id;
      const userIds = Array.from({ length: USERS }, (_, i) => `user-${String(i).padStart(5, '0')}`);
      await tx.query(
        `insert into users (connector_id, id, data, first_seen_run_id, last_changed_run_id)
         select $1, id, jsonb_build_object('id', id, 'userPrincipalName', id || '@contoso.example'), $2, $2 from unnest($3::text[]) id`,
        [CONNECTOR, run, userIds],
      );
      await tx.query(`insert into groups (connector_id, id, data, first_seen_run_id, last_changed_run_id) values ($1, $2, $3, $4, $4)`, [
        CONNECTOR,
        GROUP,
        { id: GROUP, displayName: 'Everyone', securityEnabled: true },
        run,
      ]);
      await tx.query(
        `insert into group_members (connector_id, group_id, member_id, member_type, first_seen_run_id) select $1, $2, id, 'user', $3 from unnest($4::text[]) id`,
        [CONNECTOR, GROUP, run, userIds],
      );
      await tx.query(`insert into service_principals (connector_id, id, data, first_seen_run_id, last_changed_run_id) values ($1, $2, $3, $4, $4)`, [
        CONNECTOR,
        APP,
        { id: APP, displayName: 'Payroll' },
        run,
      ]);
      const assignment = (id: string, principalId: string, principalType: string) => ({ id, principalId, principalType, resourceId: APP, appRoleId: ROLE });
      for (const a of [assignment('ara-group', GROUP, 'Group'), assignment('ara-direct', userIds[0]!, 'User')]) {
        await tx.query(`insert into app_role_assignments (connector_id, id, data, first_seen_run_id) values ($1, $2, $3, $4)`, [CONNECTOR, a.id, a, run]);
      }
      if (stale) {
        await tx.query(
          `insert into effective_entitlements (connector_id, principal_id, principal_type, resource_id, app_role_id, assignment_id, granted_via, via_group_id)
           values ($1, 'user-gone', 'User', $2, $3, 'ara-gone', 'direct', '')`,
          [CONNECTOR, APP, ROLE],
        );
      }
      const usersRead = async () => (await rowsRead(tx, ['users'])).users;
      const before = await usersRead();

      await recomputeEntitlements(tx, CONNECTOR, Number(run));

      const readByRecompute = (await usersRead())! - before!;
      // The counts are there: the recompute reads the users (partitioned by connector, docs/bootstrap-swap.md).
      expect(readByRecompute).toBeGreaterThan(0);
      const { rows } = await tx.query<{ principal_id: string; granted_via: string; assignment_id: string }>(
        `select principal_id, granted_via, assignment_id from effective_entitlements where connector_id = $1 and resource_id = $2`,
        [CONNECTOR, APP],
      );
      // Every direct member through the group, and the one direct assignment; the stale row is gone.
      const expected = [...userIds.map((id) => `${id}/group/ara-group`), `${userIds[0]}/direct/ara-direct`].sort();
      expect(rows.map((r) => `${r.principal_id}/${r.granted_via}/${r.assignment_id}`).sort()).toEqual(expected);
      // Linear: each join reads the users once (a few passes at most), never once per member (4,000,000).
      expect(readByRecompute).toBeLessThanOrEqual(4 * USERS);
    } finally {
      await tx.query('rollback');
      tx.release();
    }
  });
});
