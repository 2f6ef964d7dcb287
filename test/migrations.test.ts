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
