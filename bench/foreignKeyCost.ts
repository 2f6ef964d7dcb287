import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../client/dev/embeddedPostgres';
import { runMain } from '../workers/runMain';

/**
 * What a foreign key to sync_runs costs a bulk insert, in one PostgreSQL, back to back, so the
 * machine's load weighs on both sides alike: `npx tsx bench/foreignKeyCost.ts [rows]`.
 * The shape is group_members' (migration 0003) with and without its first_seen_run_id key.
 */
runMain(async () => {
  const rows = Number(process.argv[2] ?? 44_350);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'entra-fk-'));
  const server = await startEmbeddedPostgres(dir, 'fkcost');
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(`create table runs (id bigserial primary key); insert into runs default values;
      create table with_key (c text not null, g text not null, m text not null, run bigint not null references runs (id), primary key (c, g, m));
      create table without_key (c text not null, g text not null, m text not null, run bigint not null, primary key (c, g, m))`);
    const times: Record<string, number[]> = { with_key: [], without_key: [] };
    for (let round = 0; round < 5; round++) {
      for (const table of ['with_key', 'without_key'] as const) {
        await client.query(`truncate ${table}`);
        const started = performance.now();
        await client.query(`insert into ${table} select 'c', 'g' || (i / 20), 'm' || i, 1 from generate_series(1, $1) i`, [rows]);
        times[table]!.push(performance.now() - started);
      }
    }
    const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
    console.log(JSON.stringify({ rows, withKeyMs: Math.round(median(times.with_key!)), withoutKeyMs: Math.round(median(times.without_key!)), runs: times }));
  } finally {
    await client.end();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
