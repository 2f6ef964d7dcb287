import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { analyzeAfterBootstrap } from '../activities/finalize/analyzeAfterBootstrap';
import { hasSyncedData, resetConnectorData } from '../activities/store/connectorReset';
import { migrate } from '../schema/migrate';
import { createEmptyDatabase } from './support/testDatabase';

const BEFORE = '0038_tombstone_indexes.sql';
const CONNECTOR_PARTITIONED_TABLES = ['users'];

/** Every view of the public schema with its definition, as PostgreSQL prints it. */
const viewDefinitions = async (client: pg.PoolClient) =>
  (await client.query<{ name: string; def: string }>(`select viewname as name, definition as def from pg_views where schemaname = 'public' order by 1`)).rows;

const addConnector = (client: pg.PoolClient, id: string) =>
  client.query(`insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host) values ($1, 't', 'c', 'https://graph', 'https://login')`, [id]);

/** The partition of a connector's rows, or undefined when the table has none for it. */
const partitionOf = async (client: pg.PoolClient, table: string, connectorId: string) =>
  (
    await client.query<{ partition: string }>(
      `select c.oid::regclass::text as partition from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = $1::regclass and pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES IN (%L)', $2::text)`,
      [table, connectorId],
    )
  ).rows[0]?.partition;

describe('migration 0039: users partitioned by connector (docs/bootstrap-swap.md)', () => {
  let pool: pg.Pool;
  let client: pg.PoolClient;
  let viewsBefore: { name: string; def: string }[];
  let run: number;

  beforeAll(async () => {
    const url = await createEmptyDatabase(inject('postgresUrl'), 'partition');
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
  });

  it("puts each connector's rows in a partition of its own, outside the public schema", async () => {
    const { rows } = await client.query<{ partition: string; connector_id: string }>(
      `select distinct tableoid::regclass::text as partition, connector_id from users order by 2`,
    );
    expect(rows.map((r) => r.connector_id)).toEqual(['contoso', "o'brien & co"]);
    for (const { partition, connector_id } of rows) {
      expect(partition).toMatch(/^connector_partitions\.users_[0-9a-f]{16}$/);
      expect(await partitionOf(client, 'users', connector_id)).toBe(partition);
    }
    // Connector reset reads the public schema's tables: it still finds users once, as a table.
    expect(await hasSyncedData(client, 'contoso')).toBe(true);
  });

  it('creates the partitions with a new connector and drops them with it', async () => {
    await addConnector(client, 'fabrikam');
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

  it("after a bootstrap, analyses the run's connector's partition and no other connector's", async () => {
    await client.query(`insert into sync_run_streams (run_id, stream, mode) values ($1, 'users', 'bootstrap')`, [run]);
    await analyzeAfterBootstrap(pool, run);
    const statistics = async (connectorId: string) =>
      (await client.query(`select count(*)::int as n from pg_statistic where starelid = $1::regclass`, [await partitionOf(client, 'users', connectorId)])).rows[0].n;
    expect(await statistics('contoso')).toBeGreaterThan(0);
    expect(await statistics("o'brien & co")).toBe(0);
  });

  it("a connector's data reset empties its partition and leaves the other connector's rows", async () => {
    await client.query('begin');
    const deleted = await resetConnectorData(client, "o'brien & co");
    await client.query('commit');
    expect(deleted.users).toBe(1);
    const { rows } = await client.query(`select connector_id, id from users order by 1, 2`);
    expect(rows).toEqual([
      { connector_id: 'contoso', id: 'u1' },
      { connector_id: 'contoso', id: 'u2' },
    ]);
  });
});
