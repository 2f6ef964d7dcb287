/**
 * Issue 30 step 3, feasibility: times a first bootstrap's finalize statements for users,
 * group_members and group_member history on today's tables against building next partitions
 * (unindexed, CHECK-constrained, indexes after the load) and swapping them in with DETACH/ATTACH
 * in one transaction. Scratch PostgreSQL, synthetic rows, no Graph: `tsx bench/swapFeasibility.ts [users]`.
 * Prints one line per step; docs/bootstrap-swap.md records the figures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../client/dev/embeddedPostgres';
import { migrate } from '../schema/migrate';

const USERS = Number(process.argv[2] ?? 100_000);
const GROUPS = Math.max(10, Math.round(USERS / 20));
const MEMBERS_PER_GROUP = 79; // about 393,000 memberships at 100,000 users, as in the bench tenant
const A = 'conn-a';
const B = 'conn-b';

async function timed(label: string, client: pg.Client, sql: string, params: unknown[] = []): Promise<number> {
  const started = performance.now();
  const result = await client.query(sql, params);
  const ms = Math.round(performance.now() - started);
  console.log(`${label.padEnd(72)} ${String(ms).padStart(7)} ms  ${result.rowCount ?? ''}`);
  return ms;
}

const userData = (idExpr: string) =>
  `jsonb_build_object('id', ${idExpr}, 'userPrincipalName', 'user' || ${idExpr} || '@contoso.example', 'displayName', 'User ' || ${idExpr},
     'mail', 'user' || ${idExpr} || '@contoso.example', 'userType', 'Member', 'accountEnabled', true,
     'createdDateTime', '2024-01-01T00:00:00Z', 'jobTitle', 'Engineer', 'department', 'Dept ' || (${idExpr}::int % 50))`;

async function main() {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'swap-feasibility-'));
  const postgres = await startEmbeddedPostgres(scratch, 'feasibility');
  const client = new pg.Client({ connectionString: postgres.url });
  const other = new pg.Client({ connectionString: postgres.url });
  try {
    await migrate(postgres.url);
    await client.connect();
    await other.connect();
    client.on('notice', (n) => console.log(`  notice: ${n.message}`));
    console.log((await client.query('select version()')).rows[0].version);
    for (const id of [A, B]) {
      await client.query(`insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host) values ($1, 't', 'c', 'https://graph', 'https://login')`, [id]);
      // As a first commit leaves them (migration 0042): this measures what came before the swap.
      await client.query('select create_connector_partitions($1)', [id]);
    }
    const run = Number((await client.query(`insert into sync_runs (connector_id, workflow_id, workflow_run_id) values ($1, 'w', 'r') returning id`, [A])).rows[0].id);
    const runB = Number((await client.query(`insert into sync_runs (connector_id, workflow_id, workflow_run_id) values ($1, 'w', 'rb') returning id`, [B])).rows[0].id);

    // Staging as the pulls leave it (not timed: pull phase).
    await client.query(`insert into staged_objects (run_id, stream, object_id, data) select $1, 'users', g::text, ${userData('g::text')} from generate_series(1, $2) g`, [run, USERS]);
    await client.query(
      `insert into staged_memberships (run_id, group_id, member_id, member_type, removed)
       select $1, 'g' || gr, ((gr * 7919 + k * 104729) % $2 + 1)::text, 'user', false
         from generate_series(1, $3) gr, generate_series(1, $4) k on conflict do nothing`,
      [run, USERS, GROUPS, MEMBERS_PER_GROUP],
    );
    await client.query('analyze staged_objects; analyze staged_memberships');
    // Connector B already holds a tenant of the same size in the live tables.
    await client.query(`insert into users (connector_id, id, data, first_seen_run_id, last_changed_run_id) select $1, g::text, ${userData('g::text')}, $2, $2 from generate_series(1, $3) g`, [B, runB, USERS]);
    await client.query(`insert into group_members (connector_id, group_id, member_id, member_type, first_seen_run_id) select $1, group_id, member_id, member_type, $2 from staged_memberships where run_id = $3`, [B, runB, run]);

    console.log(`\n(a) today: first bootstrap of ${USERS} users into the indexed live tables, one transaction`);
    await client.query('begin');
    const a1 = await timed('users: upsert from staging', client,
      `insert into users as live (connector_id, id, data, first_seen_run_id, last_changed_run_id)
       select $1, s.object_id, s.data, $2, $2 from staged_objects s where s.run_id = $2 and s.stream = 'users' and s.data is not null
       on conflict (connector_id, id) do update set data = excluded.data, deleted_at = null, deletion_kind = null, last_changed_run_id = $2
       where live.deleted_at is not null or live.data is distinct from excluded.data`, [A, run]);
    const a2 = await timed('users: absent tombstones (anti-join)', client,
      `update users live set deleted_at = now(), deletion_kind = 'absent', last_changed_run_id = $2
        where live.connector_id = $1 and live.deleted_at is null
          and not exists (select 1 from staged_objects s where s.run_id = $2 and s.stream = 'users' and s.object_id = live.id)`, [A, run]);
    const a3 = await timed('group_members: insert from staging (pk order)', client,
      `insert into group_members (connector_id, group_id, member_id, member_type, first_seen_run_id)
       select $1, s.group_id, s.member_id, s.member_type, $2 from staged_memberships s where s.run_id = $2 and not s.removed
        order by s.group_id, s.member_id on conflict (connector_id, group_id, member_id) do nothing`, [A, run]);
    const a4 = await timed('history: open a group_member interval for every membership', client,
      `insert into relationship_history (connector_id, tenant_id, kind, key, holder_id, holder_type, target_id, target_type, opened_run_id)
       select $1, 't', 'group_member', array[m.group_id, m.member_id], m.member_id, m.member_type, m.group_id, 'group', $2
         from group_members m where m.connector_id = $1 order by m.group_id, m.member_id`, [A, run]);
    await client.query('commit');
    console.log(`${'(a) sum'.padEnd(72)} ${String(a1 + a2 + a3 + a4).padStart(7)} ms`);

    console.log('\n(b) partitioned by connector: same data, next partitions built then swapped');
    await client.query(`
      create table p_users (like users including defaults including generated including constraints) partition by list (connector_id);
      alter table p_users add primary key (connector_id, id);
      create index p_users_upn on p_users (connector_id, lower(user_principal_name));
      create index p_users_live on p_users (connector_id) where deleted_at is null;
      create table p_group_members (like group_members including defaults including constraints) partition by list (connector_id);
      alter table p_group_members add primary key (connector_id, group_id, member_id);
      create index p_group_members_member on p_group_members (connector_id, member_id);
      create table p_history (like relationship_history including defaults including constraints) partition by list (connector_id);
      alter table p_history add primary key (connector_id, id);
      create unique index p_history_open on p_history (connector_id, kind, key) where closed_run_id is null;
      create index p_history_holder on p_history (connector_id, holder_id);
      create index p_history_target on p_history (connector_id, target_id);
      create index p_history_opened on p_history (opened_run_id);
      create index p_history_closed on p_history (closed_run_id) where closed_run_id is not null;
      alter table p_users add foreign key (connector_id) references connectors (id) on delete cascade;
      create view p_live_users as select connector_id, count(*) from p_users where deleted_at is null group by connector_id;`);
    // Live partitions: B holds its tenant; A's partition exists, empty (a first bootstrap).
    for (const [tbl, src] of [['p_users', 'users'], ['p_group_members', 'group_members'], ['p_history', 'relationship_history']] as const) {
      await client.query(`create table ${tbl}_b partition of ${tbl} for values in ('${B}')`);
      // Generated columns cannot be inserted: name the stored ones.
      const columns = tbl === 'p_users' ? 'connector_id, id, data, deleted_at, deletion_kind, first_seen_run_id, last_changed_run_id' : '*';
      await client.query(`insert into ${tbl}_b ${columns === '*' ? '' : `(${columns})`} select ${columns} from ${src} where connector_id = $1`, [B]);
      await client.query(`create table ${tbl}_a partition of ${tbl} for values in ('${A}')`);
    }
    const ddl = (tbl: string) => `create table ${tbl}_next (like ${tbl} including defaults including generated including constraints);
       alter table ${tbl}_next add constraint ${tbl}_next_connector check (connector_id = '${A}')`;
    let buildMs = 0;
    await client.query(ddl('p_users'));
    buildMs += await timed('build users_next: insert (pull phase, all pages as one statement)', client,
      `insert into p_users_next (connector_id, id, data, first_seen_run_id, last_changed_run_id)
       select $1, s.object_id, s.data, coalesce(l.first_seen_run_id, $2), $2
         from staged_objects s left join p_users_a l on l.id = s.object_id
        where s.run_id = $2 and s.stream = 'users' and s.data is not null`, [A, run]);
    buildMs += await timed('build users_next: absent tombstones copied from live (anti-join)', client,
      `insert into p_users_next (connector_id, id, data, deleted_at, deletion_kind, first_seen_run_id, last_changed_run_id)
       select connector_id, id, data, coalesce(deleted_at, now()), coalesce(deletion_kind, 'absent'), first_seen_run_id, $1
         from p_users_a l where not exists (select 1 from p_users_next n where n.id = l.id)`, [run]);
    buildMs += await timed('build users_next: primary key + 2 indexes', client,
      `alter table p_users_next add primary key (connector_id, id);
       create index on p_users_next (connector_id, lower(user_principal_name));
       create index on p_users_next (connector_id) where deleted_at is null;
       alter table p_users_next add foreign key (connector_id) references connectors (id) on delete cascade;
       analyze p_users_next`);
    await client.query(ddl('p_group_members'));
    buildMs += await timed('build group_members_next: insert', client,
      `insert into p_group_members_next (connector_id, group_id, member_id, member_type, first_seen_run_id)
       select $1, s.group_id, s.member_id, s.member_type, $2 from staged_memberships s where s.run_id = $2 and not s.removed`, [A, run]);
    buildMs += await timed('build group_members_next: primary key + 1 index', client,
      `alter table p_group_members_next add primary key (connector_id, group_id, member_id);
       create index on p_group_members_next (connector_id, member_id); analyze p_group_members_next`);
    await client.query(ddl('p_history'));
    buildMs += await timed('build history_next: open group_member intervals', client,
      `insert into p_history_next (connector_id, tenant_id, kind, key, holder_id, holder_type, target_id, target_type, opened_run_id)
       select $1, 't', 'group_member', array[m.group_id, m.member_id], m.member_id, m.member_type, m.group_id, 'group', $2
         from p_group_members_next m`, [A, run]);
    buildMs += await timed('build history_next: primary key + 5 indexes', client,
      `alter table p_history_next add primary key (connector_id, id);
       create unique index on p_history_next (connector_id, kind, key) where closed_run_id is null;
       create index on p_history_next (connector_id, holder_id);
       create index on p_history_next (connector_id, target_id);
       create index on p_history_next (opened_run_id);
       create index on p_history_next (closed_run_id) where closed_run_id is not null;
       analyze p_history_next`);
    console.log(`${'(b) build sum (off the critical path except the last stream)'.padEnd(72)} ${String(buildMs).padStart(7)} ms`);

    // (c) The same next tables with every index from the start, written page by page as pages arrive.
    const indexedNext = (tbl: string) => `create table ${tbl}_page (like ${tbl} including defaults including generated including constraints including indexes);
       alter table ${tbl}_page add constraint ${tbl}_page_connector check (connector_id = '${A}')`;
    for (const tbl of ['p_users', 'p_group_members', 'p_history']) await client.query(indexedNext(tbl));
    const pages = async (label: string, count: number, sql: string) => {
      let total = 0;
      let slowest = 0;
      for (let page = 0; page < count; page++) {
        const started = performance.now();
        await client.query(sql, [A, run, page]);
        const ms = performance.now() - started;
        total += ms;
        slowest = Math.max(slowest, ms);
      }
      console.log(`${`${label}: ${count} pages`.padEnd(72)} ${String(Math.round(total)).padStart(7)} ms  slowest page ${Math.round(slowest)} ms`);
    };
    console.log('\n(c) next tables indexed from the start, one insert per Graph page (during the pulls)');
    // A page's rows, found by index as a pull has them in hand.
    await client.query(`create table page_users as select (object_id::int / 999) as page, * from staged_objects where run_id = $1;
      create index on page_users (page);
      create table page_members as select (substr(group_id, 2)::int / 20) as page, * from staged_memberships where run_id = $1;
      create index on page_members (page); analyze page_users; analyze page_members`.replaceAll('$1', String(run)));
    await pages('users_page: 999 users a page', Math.ceil(USERS / 999),
      `insert into p_users_page (connector_id, id, data, first_seen_run_id, last_changed_run_id)
       select $1, s.object_id, s.data, coalesce(l.first_seen_run_id, $2), $2
         from staged_objects s left join p_users_a l on l.id = s.object_id
        where s.run_id = $2 and s.stream = 'users' and s.data is not null and s.page = $3`.replace('staged_objects s', 'page_users s'));
    await pages('group_members_page + history_page: 20 groups a page', Math.ceil(GROUPS / 20),
      `with m as (insert into p_group_members_page (connector_id, group_id, member_id, member_type, first_seen_run_id)
        select $1, s.group_id, s.member_id, s.member_type, $2 from page_members s
         where s.run_id = $2 and not s.removed and s.page = $3 returning *)
       insert into p_history_page (connector_id, tenant_id, kind, key, holder_id, holder_type, target_id, target_type, opened_run_id)
       select $1, 't', 'group_member', array[m.group_id, m.member_id], m.member_id, m.member_type, m.group_id, 'group', $2 from m`);
    await timed('after the last page: analyze the three page-built tables', client, 'analyze p_users_page; analyze p_group_members_page; analyze p_history_page');

    // A reader of connector B holds its snapshot open: the swap's DETACH must wait for it.
    await other.query('begin');
    await other.query(`select count(*) from p_users where connector_id = $1`, [B]);
    await client.query('begin');
    await client.query(`set local lock_timeout = '300ms'`);
    const blocked = await client.query(`alter table p_users detach partition p_users_a`).then(() => 'no', (e: Error) => `yes (${e.message})`);
    await client.query('rollback');
    await other.query('commit');
    console.log(`DETACH waits for a reader of another connector on the parent: ${blocked}`);

    await client.query(`set client_min_messages = debug1`);
    await client.query('begin');
    const swapStarted = performance.now();
    for (const tbl of ['p_users', 'p_group_members', 'p_history']) {
      await client.query(`alter table ${tbl} detach partition ${tbl}_a`);
      await client.query(`alter table ${tbl} attach partition ${tbl}_next for values in ('${A}')`);
    }
    const locks = await client.query(
      `select c.relname, l.mode from pg_locks l join pg_class c on c.oid = l.relation
        where l.pid = pg_backend_pid() and c.relname in ('p_users', 'p_group_members', 'p_history', 'p_users_next', 'p_users_a') order by 1, 2`);
    await client.query('commit');
    const swapMs = Math.round(performance.now() - swapStarted);
    await client.query(`set client_min_messages = notice`);
    console.log(`${'(b) swap: detach + attach of 3 tables, one transaction'.padEnd(72)} ${String(swapMs).padStart(7)} ms`);
    console.log('locks held by the swap transaction:', locks.rows.map((r) => `${r.relname}:${r.mode}`).join(', '));
    const idx = await client.query(
      `select count(*)::int as n from pg_inherits i join pg_class c on c.oid = i.inhrelid where c.relname like 'p_%next%' and c.relkind = 'i'`);
    console.log(`indexes of the next tables attached to the parents' indexes (no rebuild): ${idx.rows[0].n}`);
    const fk = await client.query(`select conname, conparentid <> 0 as inherited from pg_constraint where conrelid = 'p_users_next'::regclass and contype = 'f'`);
    console.log('users_next foreign keys after attach:', JSON.stringify(fk.rows));
    await timed('drop the detached partitions after the commit', client, 'drop table p_users_a, p_group_members_a, p_history_a');
    await client.query('begin');
    const pageSwap = performance.now();
    for (const tbl of ['p_users', 'p_group_members', 'p_history']) {
      await client.query(`alter table ${tbl} detach partition ${tbl}_next`);
      await client.query(`alter table ${tbl} attach partition ${tbl}_page for values in ('${A}')`);
    }
    await client.query('commit');
    console.log(`${'(c) swap of the page-built tables (live partitions now hold 100%)'.padEnd(72)} ${String(Math.round(performance.now() - pageSwap)).padStart(7)} ms`);
    console.log('view over the parent:', JSON.stringify((await client.query('select * from p_live_users order by 1')).rows));
  } finally {
    await Promise.allSettled([client.end(), other.end()]);
    await postgres.stop();
    if (!process.env.BENCH_KEEP) await rm(scratch, { recursive: true, force: true });
  }
}

await main();
