import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { analyzeAfterBootstrap } from '../activities/finalize/analyzeAfterBootstrap';
import { hasSyncedData, resetConnectorData } from '../activities/store/connectorReset';
import { migrate } from '../schema/migrate';
import { createEmptyDatabase, createTestDatabase } from './support/testDatabase';
import { swapNextTables } from '../activities/finalize/swapNextTables';
import { openNextTables } from '../activities/staging/nextTables';
import { stagePage } from '../activities/staging/stagedObjects';
import { inTransaction } from '../activities/store/database';
import { discardStaging } from '../activities/store/runs';
import type { GraphObject } from '../activities/graph/deltaPages';

const BEFORE = '0038_tombstone_indexes.sql';
const CONNECTOR_PARTITIONED_TABLES = ['users', 'group_members', 'relationship_history'];

/** Every view of the public schema with its definition, as PostgreSQL prints it. */
const viewDefinitions = async (client: pg.PoolClient) =>
  (await client.query<{ name: string; def: string }>(`select viewname as name, definition as def from pg_views where schemaname = 'public' order by 1`)).rows;

const addConnector = (client: pg.PoolClient, id: string) =>
  client.query(`insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host) values ($1, 't', 'c', 'https://graph', 'https://login')`, [id]);

/** `work` in one transaction as a new role with only row privileges (docs/operations.md, "Database"), dropped after. */
async function asRowsOnlyRole<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  const role = `rows_only_${process.pid}_${Date.now()}`;
  await client.query(`create role ${role}`);
  try {
    await client.query(`grant select, insert, update, delete on all tables in schema public to ${role}; grant usage on all sequences in schema public to ${role}`);
    await client.query('begin');
    await client.query(`set local role ${role}`);
    const result = await work();
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    await client.query(`drop owned by ${role}; drop role ${role}`);
  }
}

/** The partition of a connector's rows, or undefined when the table has none for it. */
const partitionOf = async (client: pg.PoolClient, table: string, connectorId: string) =>
  (
    await client.query<{ partition: string }>(
      `select c.oid::regclass::text as partition from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = $1::regclass and pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES IN (%L)', $2::text)`,
      [table, connectorId],
    )
  ).rows[0]?.partition;

describe('migrations 0039-0041: users, group_members and relationship_history partitioned by connector (docs/bootstrap-swap.md)', () => {
  let pool: pg.Pool;
  let client: pg.PoolClient;
  let viewsBefore: { name: string; def: string }[];
  let run: number;
  let url: string;

  beforeAll(async () => {
    url = await createEmptyDatabase(inject('postgresUrl'), 'partition');
    await migrate(url, { through: BEFORE });
    pool = new pg.Pool({ connectionString: url, max: 4 });
    client = await pool.connect();
    // A connector id is any text: quotes and spaces must not reach a table name.
    for (const id of ['contoso', "o'brien & co"]) await addConnector(client, id);
    run = Number((await client.query<{ id: string }>(`insert into sync_runs (connector_id, workflow_id, workflow_run_id) values ('contoso', 'w', 'r') returning id`)).rows[0]!.id);
    await client.query(
      `insert into users (connector_id, id, data, deleted_at, deletion_kind, first_seen_run_id, last_changed_run_id) values
         ('contoso', 'u1', '{"userPrincipalName": "Ada@contoso.example", "accountEnabled": true}', null, null, $1, $1),
         ('contoso', 'u2', '{"userPrincipalName": "bob@contoso.example"}', '2026-12-01T00:00:00Z', 'absent', $1, $1),
         ($2, 'u1', '{"userPrincipalName": "carol@obrien.example"}', null, null, $1, $1)`,
      [run, "o'brien & co"],
    );
    await client.query(
      `insert into group_members (connector_id, group_id, member_id, member_type, first_seen_run_id) values
         ('contoso', 'g1', 'u1', 'user', $1), ('contoso', 'g2', 'g1', 'group', $1), ($2, 'g1', 'u1', 'user', $1)`,
      [run, "o'brien & co"],
    );
    await client.query(
      `insert into relationship_history (id, connector_id, tenant_id, kind, key, holder_id, target_id, opened_run_id, closed_run_id) values
         (7, 'contoso', 't', 'group_member', '{g1,u1}', 'u1', 'g1', $1, null),
         (8, 'contoso', 't', 'group_member', '{g1,u2}', 'u2', 'g1', $1, $1),
         (9, $2, 't', 'group_member', '{g1,u1}', 'u1', 'g1', $1, null)`,
      [run, "o'brien & co"],
    );
    await client.query(`select setval('relationship_history_id_seq', 9)`);
    viewsBefore = await viewDefinitions(client);
    await migrate(url);
  });
  afterAll(async () => {
    client?.release();
    await pool?.end();
  });

  it('keeps every row, its generated columns and every view', async () => {
    const { rows } = await client.query(
      `select connector_id, id, user_principal_name, account_enabled, deleted_at is not null as deleted, deletion_kind from users order by 1, 2`,
    );
    expect(rows).toEqual([
      { connector_id: 'contoso', id: 'u1', user_principal_name: 'Ada@contoso.example', account_enabled: true, deleted: false, deletion_kind: null },
      { connector_id: 'contoso', id: 'u2', user_principal_name: 'bob@contoso.example', account_enabled: null, deleted: true, deletion_kind: 'absent' },
      { connector_id: "o'brien & co", id: 'u1', user_principal_name: 'carol@obrien.example', account_enabled: null, deleted: false, deletion_kind: null },
    ]);
    expect(await viewDefinitions(client)).toEqual(viewsBefore);
    const { rows: indexes } = await client.query(`select indexname from pg_indexes where schemaname = 'public' and tablename = 'users' order by 1`);
    expect(indexes.map((r) => r.indexname)).toEqual(['users_live', 'users_pkey', 'users_tombstones', 'users_upn']);

    // Nested membership still resolves through the view that reads group_members.
    const { rows: transitive } = await client.query(
      `select group_id, member_id from group_members_transitive where connector_id = 'contoso' and member_type = 'user' order by 1`,
    );
    expect(transitive).toEqual([
      { group_id: 'g1', member_id: 'u1' },
      { group_id: 'g2', member_id: 'u1' },
    ]);
    const { rows: intervals } = await client.query(
      `select id::int, connector_id, key, closed_run_id is null as open, holder_name from relationship_intervals order by 1`,
    );
    expect(intervals).toEqual([
      { id: 7, connector_id: 'contoso', key: ['g1', 'u1'], open: true, holder_name: 'Ada@contoso.example' },
      { id: 8, connector_id: 'contoso', key: ['g1', 'u2'], open: false, holder_name: 'bob@contoso.example' },
      { id: 9, connector_id: "o'brien & co", key: ['g1', 'u1'], open: true, holder_name: 'carol@obrien.example' },
    ]);
    // History ids keep coming from the same sequence, after the moved rows.
    const { rows: next } = await client.query(
      `insert into relationship_history (connector_id, tenant_id, kind, key, holder_id, target_id, opened_run_id)
       values ('contoso', 't', 'group_member', '{g2,u1}', 'u1', 'g2', $1) returning id::int`,
      [run],
    );
    expect(next[0].id).toBe(10);
    // One open interval per key still holds across the partitioned table.
    await expect(
      client.query(
        `insert into relationship_history (connector_id, tenant_id, kind, key, holder_id, target_id, opened_run_id)
         values ('contoso', 't', 'group_member', '{g1,u1}', 'u1', 'g1', $1)`,
        [run],
      ),
    ).rejects.toThrow('duplicate key value violates unique constraint');
  });

  it("puts each connector's rows in a partition of its own, outside the public schema", async () => {
    for (const table of CONNECTOR_PARTITIONED_TABLES) {
      const { rows } = await client.query<{ partition: string; connector_id: string }>(
        `select distinct tableoid::regclass::text as partition, connector_id from ${table} order by 2`,
      );
      expect(rows.map((r) => r.connector_id)).toEqual(['contoso', "o'brien & co"]);
      for (const { partition, connector_id } of rows) {
        expect(partition).toMatch(new RegExp(`^connector_partitions\\.${table}_[0-9a-f]{16}$`));
        expect(await partitionOf(client, table, connector_id)).toBe(partition);
      }
    }
    // Connector reset reads the public schema's tables: it still finds users once, as a table.
    expect(await hasSyncedData(client, 'contoso')).toBe(true);
  });

  it('creates the partitions at a new connector\'s first commit (migration 0042) and drops them with it', async () => {
    await addConnector(client, 'fabrikam');
    for (const table of CONNECTOR_PARTITIONED_TABLES) expect(await partitionOf(client, table, 'fabrikam')).toBeUndefined();
    // What a first commit that merged from staging calls (activities/finalize/swapNextTables.ts).
    await client.query(`select create_connector_partitions('fabrikam')`);
    for (const table of CONNECTOR_PARTITIONED_TABLES) expect(await partitionOf(client, table, 'fabrikam')).toBeDefined();
    await client.query(
      `insert into users (connector_id, id, data, first_seen_run_id, last_changed_run_id) values ('fabrikam', 'u9', '{}', $1, $1)
       on conflict (connector_id, id) do update set data = excluded.data`,
      [run],
    );
    await client.query(`delete from connectors where id = 'fabrikam'`);
    for (const table of CONNECTOR_PARTITIONED_TABLES) expect(await partitionOf(client, table, 'fabrikam')).toBeUndefined();
    const { rows } = await client.query(`select count(*)::int as n from users where connector_id = 'fabrikam'`);
    expect(rows[0].n).toBe(0);
  });

  it('a role with only row privileges (docs/operations.md, "Database") adds and removes a connector', async () => {
    await asRowsOnlyRole(client, async () => {
      await addConnector(client, 'northwind');
      await client.query(`delete from connectors where id = 'northwind'`);
    });
    for (const table of CONNECTOR_PARTITIONED_TABLES) expect(await partitionOf(client, table, 'northwind')).toBeUndefined();
  });

  it("after a bootstrap, analyses the run's connector's partition and no other connector's", async () => {
    await client.query(`insert into sync_run_streams (run_id, stream, mode) values ($1, 'users', 'bootstrap')`, [run]);
    await analyzeAfterBootstrap(pool, run);
    const statistics = async (connectorId: string) =>
      (await client.query(`select count(*)::int as n from pg_statistic where starelid = $1::regclass`, [await partitionOf(client, 'users', connectorId)])).rows[0].n;
    expect(await statistics('contoso')).toBeGreaterThan(0);
    expect(await statistics("o'brien & co")).toBe(0);
  });

  it("a connector's data reset, by a role with only row privileges, empties its partition at once and leaves the other connector's rows", async () => {
    const size = async (connectorId: string) =>
      Number((await client.query(`select pg_relation_size($1::regclass) as n`, [await partitionOf(client, 'users', connectorId)])).rows[0].n);
    expect(await size("o'brien & co")).toBeGreaterThan(0);
    const deleted = await asRowsOnlyRole(client, () => resetConnectorData(client, "o'brien & co"));
    expect(deleted.users).toBe(1);
    // Its file is empty in the reset's commit (a delete would leave it at its size until a vacuum).
    expect(await size("o'brien & co")).toBe(0);
    expect(await size('contoso')).toBeGreaterThan(0);
    const { rows } = await client.query(`select connector_id, id from users order by 1, 2`);
    expect(rows).toEqual([
      { connector_id: 'contoso', id: 'u1' },
      { connector_id: 'contoso', id: 'u2' },
    ]);
  });

  it('refuses to truncate for a login that may not delete from the table, and never truncates relationship history', async () => {
    // A login of its own: the function checks the session's role, which SET ROLE does not change.
    const role = `no_delete_${process.pid}_${Date.now()}`;
    await client.query(`create role ${role} login password 'only-for-this-test'`);
    const login = new URL(url);
    login.username = role;
    login.password = 'only-for-this-test';
    const session = new pg.Client({ connectionString: login.toString() });
    try {
      await client.query(`grant select, insert, update on all tables in schema public to ${role}`);
      await session.connect();
      await expect(session.query(`select truncate_connector_partition('users', 'contoso')`)).rejects.toThrow(/may not delete from table users/);
      await expect(client.query(`select truncate_connector_partition('relationship_history', 'contoso')`)).rejects.toThrow(/relationship history is not truncated/);
      const { rows } = await client.query(`select count(*)::int as n from users where connector_id = 'contoso'`);
      expect(rows[0].n).toBe(2);
    } finally {
      await session.end().catch(() => undefined);
      await client.query(`drop owned by ${role}; drop role ${role}`);
    }
  });
});

describe("a connector's first bootstrap builds its next tables while it pulls (migration 0042, docs/bootstrap-swap.md)", () => {
  let pool: pg.Pool;
  let client: pg.PoolClient;
  const openRun = async (connectorId: string) =>
    Number((await client.query<{ id: string }>(`insert into sync_runs (connector_id, workflow_id, workflow_run_id) values ($1, 'w', gen_random_uuid()::text) returning id`, [connectorId])).rows[0]!.id);
  const nextTables = async () =>
    (await client.query<{ name: string }>(`select relname as name from pg_class where relnamespace = 'connector_partitions'::regnamespace and relkind = 'r' and relname like '%\\_next\\_r%' order by 1`)).rows.map(
      (r) => r.name,
    );
  const rowsOf = async (sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows;
  const current = () => Promise.resolve();
  const bootstrapStreams = [{ stream: 'users' as const, mode: 'bootstrap' as const }, { stream: 'groups' as const, mode: 'bootstrap' as const }];
  let run: number;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: await createTestDatabase(inject('postgresUrl'), 'nexttables'), max: 4 });
    client = await pool.connect();
    for (const id of ['contoso', 'fabrikam', 'northwind']) await addConnector(client, id);
    // fabrikam committed before: it has its partitions.
    await client.query(`select create_connector_partitions('fabrikam')`);
    const earlier = await openRun('fabrikam');
    await client.query(`insert into users (connector_id, id, data, first_seen_run_id, last_changed_run_id) values ('fabrikam', 'f1', '{"displayName": "Kept"}', $1, $1)`, [earlier]);
    run = await openRun('contoso');
  });
  afterAll(async () => {
    client?.release();
    await pool?.end();
  });

  it('writes each page as staging holds it, and nothing of it is visible', async () => {
    const page = (stream: 'users' | 'groups', number: number, objects: GraphObject[]) =>
      inTransaction(pool, async (tx) => {
        if (number === 1) await openNextTables(tx, run, stream);
        await stagePage(tx, run, stream, objects);
      });
    await page('users', 1, [{ id: 'u1', displayName: 'Ada', department: 'Ops' }, { id: 'u2', displayName: 'Bob' }, { id: 'u3', displayName: 'Cy' }]);
    await page('users', 2, [{ id: 'u1', department: 'Security' }, { id: 'u2', '@removed': { reason: 'changed' } }]);
    const user = { '@odata.type': '#microsoft.graph.user' };
    await page('groups', 1, [{ id: 'g1', displayName: 'Ops', 'members@delta': [{ id: 'u1', ...user }, { id: 'u3', ...user }] }]);
    await page('groups', 2, [{ id: 'g1', 'members@delta': [{ id: 'u3', ...user, '@removed': { reason: 'deleted' } }, { id: 'u2', ...user }] }]);

    expect(await nextTables()).toEqual([`group_members_next_r${run}`, `relationship_history_next_r${run}`, `users_next_r${run}`]);
    expect(await rowsOf(`select id, data, deletion_kind from connector_partitions.users_next_r${run} order by id`)).toEqual([
      { id: 'u1', data: { id: 'u1', displayName: 'Ada', department: 'Security' }, deletion_kind: null },
      { id: 'u2', data: { id: 'u2' }, deletion_kind: 'soft_deleted' },
      { id: 'u3', data: { id: 'u3', displayName: 'Cy' }, deletion_kind: null },
    ]);
    expect(await rowsOf(`select group_id, member_id from connector_partitions.group_members_next_r${run} order by 1, 2`)).toEqual([
      { group_id: 'g1', member_id: 'u1' },
      { group_id: 'g1', member_id: 'u2' },
    ]);
    expect(await rowsOf(`select key from connector_partitions.relationship_history_next_r${run} where closed_run_id is null order by key`)).toEqual([
      { key: ['g1', 'u1'] },
      { key: ['g1', 'u2'] },
    ]);
    for (const table of CONNECTOR_PARTITIONED_TABLES) expect(await rowsOf(`select 1 from ${table} where connector_id = 'contoso'`), table).toEqual([]);
  });

  it('a finalize that rolls back after the swap leaves the live tables and the next tables as they were', async () => {
    await client.query('begin');
    await swapNextTables(client, 'contoso', run, bootstrapStreams, current);
    expect(await rowsOf(`select count(*)::int as n from users where connector_id = 'contoso'`)).toEqual([{ n: 3 }]);
    await client.query('rollback');
    expect(await rowsOf(`select count(*)::int as n from users where connector_id = 'contoso'`)).toEqual([{ n: 0 }]);
    expect(await nextTables()).toHaveLength(3);
  });

  it('the commit attaches them under the partitions\' own names; the other connector is untouched', async () => {
    await client.query('begin');
    const swapped = await swapNextTables(client, 'contoso', run, bootstrapStreams, current);
    await client.query('commit');
    expect([...swapped]).toEqual(['users', 'group_members', 'relationship_history']);
    expect(await nextTables()).toEqual([]);
    for (const table of CONNECTOR_PARTITIONED_TABLES) expect(await partitionOf(client, table, 'contoso')).toMatch(new RegExp(`^connector_partitions\\.${table}_[0-9a-f]{16}$`));
    expect(await rowsOf(`select connector_id, id, deletion_kind from users order by 1, 2`)).toEqual([
      { connector_id: 'contoso', id: 'u1', deletion_kind: null },
      { connector_id: 'contoso', id: 'u2', deletion_kind: 'soft_deleted' },
      { connector_id: 'contoso', id: 'u3', deletion_kind: null },
      { connector_id: 'fabrikam', id: 'f1', deletion_kind: null },
    ]);
    expect(await rowsOf('select built_tables from sync_runs where id = $1', [run])).toEqual([{ built_tables: ['users', 'group_members', 'relationship_history'] }]);
  });

  it('builds nothing for a connector that committed before, and a discarded run drops what it built', async () => {
    const later = await openRun('fabrikam');
    for (const stream of ['users', 'groups'] as const) await inTransaction(pool, (tx) => openNextTables(tx, later, stream));
    expect(await nextTables()).toEqual([]);
    const failed = await openRun('northwind');
    await inTransaction(pool, (tx) => openNextTables(tx, failed, 'users'));
    expect(await nextTables()).toEqual([`users_next_r${failed}`]);
    await client.query(`update sync_runs set status = 'failed' where id = $1`, [failed]);
    await inTransaction(pool, (tx) => discardStaging(tx, failed));
    expect(await nextTables()).toEqual([]);
    for (const table of CONNECTOR_PARTITIONED_TABLES) expect(await partitionOf(client, table, 'northwind'), table).toBeUndefined();
  });

  it('a first commit that built nothing attaches empty partitions, once nothing else committed since its run opened', async () => {
    const first = await openRun('northwind');
    await client.query('begin');
    await expect(swapNextTables(client, 'northwind', first, [], () => Promise.reject(new Error('another run committed')))).rejects.toThrow(/another run committed/);
    await client.query('rollback');
    for (const table of CONNECTOR_PARTITIONED_TABLES) expect(await partitionOf(client, table, 'northwind'), table).toBeUndefined();
    await client.query('begin');
    expect([...(await swapNextTables(client, 'northwind', first, [], current))]).toEqual([]);
    await client.query('commit');
    for (const table of CONNECTOR_PARTITIONED_TABLES) expect(await partitionOf(client, table, 'northwind'), table).toMatch(/^connector_partitions\./);
    expect(await nextTables()).toEqual([]);
  });
});
