import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../client/dev/embeddedPostgres';
import { runMain } from '../workers/runMain';

/**
 * What the order of a bulk insert costs finalize: a bootstrap's memberships and their history
 * intervals inserted as staged (groups in the order Graph listed them) and in index order, back to
 * back in one PostgreSQL, so load weighs on both alike: `npx tsx bench/insertOrderCost.ts [rows]`.
 * The shapes and indexes are group_members' (migration 0003) and relationship_history's (0018).
 */
runMain(async () => {
  const rows = Number(process.argv[2] ?? 393_363);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'entra-order-'));
  const server = await startEmbeddedPostgres(dir, 'ordercost');
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    // Groups of 20 members, every id a random GUID: staged in group order, the groups themselves unordered.
    await client.query(
      `create table staged as select gen_random_uuid()::text as group_id, m.member_id
         from generate_series(1, ceil($1 / 20.0)::int) g
         cross join lateral (select gen_random_uuid()::text as member_id, g from generate_series(1, 20)) m
        limit $1`,
      [rows],
    );
    await client.query(`create table members (connector_id text not null, group_id text not null, member_id text not null, member_type text not null,
                          first_seen_run_id bigint, primary key (connector_id, group_id, member_id));
      create index members_member on members (connector_id, member_id);
      create table history (id bigserial primary key, connector_id text not null, tenant_id text not null, kind text not null, key text[] not null,
                            holder_id text not null, holder_type text not null, target_id text not null, target_type text not null, detail jsonb not null,
                            opened_run_id bigint not null, closed_run_id bigint);
      create unique index history_open on history (connector_id, kind, key) where closed_run_id is null;
      create index history_holder on history (connector_id, holder_id);
      create index history_target on history (connector_id, target_id);
      create index history_opened on history (opened_run_id)`);
    const times: Record<string, { members: number[]; history: number[] }> = { staged: { members: [], history: [] }, keyOrder: { members: [], history: [] } };
    for (let round = 0; round < 4; round++) {
      for (const [name, order] of [['staged', ''], ['keyOrder', 'order by group_id, member_id']] as const) {
        await client.query('truncate members, history');
        await client.query('checkpoint');
        await client.query('begin');
        let started = performance.now();
        await client.query(`insert into members select 'c', group_id, member_id, 'user', 1 from staged ${order}`);
        times[name]!.members.push(Math.round(performance.now() - started));
        started = performance.now();
        await client.query(`insert into history (connector_id, tenant_id, kind, key, holder_id, holder_type, target_id, target_type, detail, opened_run_id)
          select 'c', 't', 'group_member', array[group_id, member_id], member_id, 'user', group_id, 'group', '{}'::jsonb, 1 from staged ${order}`);
        times[name]!.history.push(Math.round(performance.now() - started));
        await client.query('commit');
      }
    }
    const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
    const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { membersMs: median(v.members), historyMs: median(v.history) }]));
    console.log(JSON.stringify({ rows, medians, runs: times }));
  } finally {
    await client.end();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
