/**
 * How long migrations 0039-0041 (tables partitioned by connector, docs/bootstrap-swap.md) take on
 * a filled database: a scratch PostgreSQL migrated through 0038, one connector with `<users>`
 * users, 3.95 memberships and one open history interval per membership, then the rest of the
 * migrations, timed. `tsx bench/partitionMigrationCost.ts [users]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../client/dev/embeddedPostgres';
import { migrate } from '../schema/migrate';

const USERS = Number(process.argv[2] ?? 100_000);

async function main() {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'partition-migration-'));
  const postgres = await startEmbeddedPostgres(scratch, 'migration');
  const client = new pg.Client({ connectionString: postgres.url });
  try {
    await migrate(postgres.url, { through: '0038_tombstone_indexes.sql' });
    await client.connect();
    await client.query(`insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host) values ('c', 't', 'c', 'https://graph', 'https://login')`);
    const run = Number((await client.query(`insert into sync_runs (connector_id, workflow_id, workflow_run_id) values ('c', 'w', 'r') returning id`)).rows[0].id);
    await client.query(
      `insert into users (connector_id, id, data, first_seen_run_id, last_changed_run_id)
       select 'c', g::text, jsonb_build_object('id', g::text, 'userPrincipalName', 'user' || g || '@contoso.example', 'displayName', 'User ' || g), $1, $1
         from generate_series(1, $2) g`,
      [run, USERS],
    );
    await client.query(
      `insert into group_members (connector_id, group_id, member_id, member_type, first_seen_run_id)
       select 'c', 'g' || gr, ((gr * 7919 + k * 104729) % $2 + 1)::text, 'user', $1
         from generate_series(1, $3) gr, generate_series(1, 79) k on conflict do nothing`,
      [run, USERS, Math.max(10, Math.round(USERS / 20))],
    );
    await client.query(
      `insert into relationship_history (connector_id, tenant_id, kind, key, holder_id, holder_type, target_id, target_type, opened_run_id)
       select 'c', 't', 'group_member', array[group_id, member_id], member_id, member_type, group_id, 'group', $1 from group_members`,
      [run],
    );
    const started = performance.now();
    const { applied } = await migrate(postgres.url);
    console.log(`${USERS} users: ${applied.join(', ')} took ${Math.round(performance.now() - started)} ms`);
  } finally {
    await client.end().catch(() => undefined);
    await postgres.stop();
    if (!process.env.BENCH_KEEP) await rm(scratch, { recursive: true, force: true });
  }
}

await main();
