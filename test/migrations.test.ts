import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { migrate } from '../schema/migrate';
import { createEmptyDatabase } from './support/testDatabase';

const emptyDatabase = () => createEmptyDatabase(inject('postgresUrl'), 'migrate');

describe('schema migrations', () => {
  it('apply once even when two processes start at the same moment', async () => {
    const url = await emptyDatabase();
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    const applied = results.map((r) => r.applied.length).sort();
    expect(applied[0]).toBe(0);
    expect(applied[1]).toBe(0);
    expect(applied[2]).toBeGreaterThanOrEqual(2);
    const again = await migrate(url);
    expect(again.applied).toEqual([]);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query('select version from schema_migrations order by version');
    await client.end();
    expect(rows.map((r) => r.version)).toEqual(results.flatMap((r) => r.applied).sort());
  });
});

describe('the staging tables', () => {
  it('every one refuses rows for a run that is no longer running (migration 0011), staged_group_owners too', async () => {
    const url = await emptyDatabase();
    await migrate(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // Staging is every table named staged_* plus reconcile_targets: each carries a run_id.
      const { rows } = await client.query<{ table: string; guarded: boolean }>(
        `select t.table_name as table,
                exists (select 1 from pg_trigger g join pg_proc p on p.oid = g.tgfoid
                         where g.tgrelid = (quote_ident(t.table_name))::regclass and p.proname = 'staging_requires_running_run') as guarded
           from information_schema.tables t
          where t.table_schema = 'public' and (t.table_name like 'staged\\_%' or t.table_name = 'reconcile_targets')
          order by 1`,
      );
      expect(rows.length).toBeGreaterThanOrEqual(13);
      expect(rows.filter((r) => !r.guarded).map((r) => r.table)).toEqual([]);

      // And the guard holds for the table that once lacked it.
      await client.query(`insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host) values ('c', 't', 'c', 'https://graph', 'https://login')`);
      const { rows: run } = await client.query<{ id: string }>(`insert into sync_runs (connector_id, workflow_id, workflow_run_id, status) values ('c', 'w', 'r', 'abandoned') returning id`);
      await expect(
        client.query(`insert into staged_group_owners (run_id, group_id, owner_id, owner_type, removed) values ($1, 'g', 'o', 'user', false)`, [run[0]!.id]),
      ).rejects.toThrow(`sync run ${run[0]!.id} is no longer running`);
    } finally {
      await client.end();
    }
  });
});
