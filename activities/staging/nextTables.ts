import type { DeltaStream } from '../../shared/streams';
import type { Database, Queryable } from '../store/database';
import { killPoint } from '../killPoint';

/**
 * A connector's first bootstrap builds its copy of the largest tables while Graph answers
 * (docs/bootstrap-swap.md): each staged page is also written into a table of the run's own that
 * nothing reads, indexed like the live one, and finalize attaches it as the connector's partition
 * at its first commit. Staging stays the source of truth: a finalize that cannot attach (the
 * connector has the partition already) drops these tables and merges from staging as always.
 */
export type NextTable = 'users' | 'group_members' | 'relationship_history' | 'effective_entitlements';

/** In the order finalize swaps them: every finalize takes the parents' locks in this one order. */
export const NEXT_TABLES: readonly NextTable[] = ['users', 'group_members', 'relationship_history', 'effective_entitlements'];

/**
 * What each delta stream's pages build. Group memberships and their history come with the groups
 * pages; entitlements are built once reconciliation and the groups pull are done (buildEntitlements.ts).
 */
const BUILT_BY: Partial<Record<DeltaStream, readonly NextTable[]>> = {
  users: ['users'],
  groups: ['group_members', 'relationship_history'],
};

export const nextTablesOf = (stream: DeltaStream): readonly NextTable[] => BUILT_BY[stream] ?? [];

type RunOwner = { connectorId: string; tenantId: string };

async function runOwner(tx: Queryable, syncRunId: number): Promise<RunOwner> {
  const { rows } = await tx.query<RunOwner>(
    `select r.connector_id as "connectorId", c.tenant_id as "tenantId" from sync_runs r join connectors c on c.id = r.connector_id where r.id = $1`,
    [syncRunId],
  );
  return rows[0]!;
}

/**
 * At the first page of a bootstrap round: creates the stream's next tables (kept if an earlier
 * attempt of the round made them) when the connector has no partition of them yet, which is the
 * case until its first commit. The run commits only if nothing else committed for the connector
 * since it opened, so what is absent now is absent at its commit, or the run fails.
 */
export async function openNextTables(tx: Queryable, syncRunId: number, stream: DeltaStream): Promise<void> {
  const tables = nextTablesOf(stream);
  if (tables.length === 0) return;
  const { connectorId } = await runOwner(tx, syncRunId);
  for (const table of tables) {
    if (await hasPartition(tx, table, connectorId)) continue;
    await tx.query('select create_next_partition($1, $2, $3)', [table, connectorId, syncRunId]);
  }
}

/** Whether the connector has its partition of the table: it has, once anything committed for it. */
export async function hasPartition(tx: Queryable, table: string, connectorId: string): Promise<boolean> {
  const { rows } = await tx.query<{ exists: boolean }>('select connector_partition_exists(connector_partition_name($1, $2)) as exists', [table, connectorId]);
  return rows[0]!.exists;
}

/** Drops the stream's next tables of the run (its round starts over), or all of them. */
export async function dropNextTables(tx: Queryable, syncRunId: number, stream?: DeltaStream): Promise<void> {
  if (!stream) {
    await tx.query('select drop_next_partitions($1)', [syncRunId]);
    return;
  }
  for (const table of nextTablesOf(stream)) await tx.query('select drop_next_partition($1, $2)', [table, syncRunId]);
}

/** The next tables the run's pulls built. */
export async function builtNextTables(db: Queryable, syncRunId: number): Promise<Set<NextTable>> {
  const { rows } = await db.query<{ table: NextTable }>(
    'select t as table from unnest($1::text[]) t where connector_partition_exists(next_partition_name(t, $2))',
    [NEXT_TABLES, syncRunId],
  );
  return new Set(rows.map((r) => r.table));
}

/** The qualified name of the run's next table, when it has one. */
export async function nextTableName(tx: Queryable, table: NextTable, syncRunId: number): Promise<string | undefined> {
  const { rows } = await tx.query<{ name: string | null }>(
    `select case when connector_partition_exists(next_partition_name($1, $2)) then 'connector_partitions.' || quote_ident(next_partition_name($1, $2)) end as name`,
    [table, syncRunId],
  );
  return rows[0]?.name ?? undefined;
}

export type StagedLinks = { groupId: string; memberId: string; memberType: string; removed: boolean }[];

/**
 * Writes a page just staged into the run's next tables, in the page's transaction: each object as
 * staging now holds it (a repeat merged, a removal a tombstone, as finalize's merge would write
 * it), each membership pair as the page's last word on it, and the pair's history interval.
 */
export async function writeNextPage(tx: Queryable, syncRunId: number, stream: DeltaStream, objectIds: string[], links: StagedLinks): Promise<void> {
  if (stream === 'users') {
    const users = await nextTableName(tx, 'users', syncRunId);
    if (users && objectIds.length > 0) await writeObjects(tx, users, syncRunId, stream, objectIds);
    return;
  }
  if (stream !== 'groups' || links.length === 0) return;
  const members = await nextTableName(tx, 'group_members', syncRunId);
  if (!members) return;
  const history = await nextTableName(tx, 'relationship_history', syncRunId);
  const { connectorId, tenantId } = await runOwner(tx, syncRunId);
  const held = links.filter((l) => !l.removed);
  const gone = links.filter((l) => l.removed);
  const arrays = (ls: StagedLinks) => [ls.map((l) => l.groupId), ls.map((l) => l.memberId), ls.map((l) => l.memberType)];
  if (held.length > 0) {
    await tx.query(
      `insert into ${members} (connector_id, group_id, member_id, member_type, first_seen_run_id)
       select $1, p.g, p.m, p.t, $2 from unnest($3::text[], $4::text[], $5::text[]) as p(g, m, t)
       on conflict (connector_id, group_id, member_id) do update set member_type = excluded.member_type`,
      [connectorId, syncRunId, ...arrays(held)],
    );
    if (history) {
      // The first recorded run of a kind opens what it finds without an "after" run (recordHistory.ts).
      await tx.query(
        `insert into ${history} (connector_id, tenant_id, kind, key, holder_id, holder_type, target_id, target_type, detail, opened_run_id)
         select $1, $6, 'group_member', array[p.g, p.m], p.m, p.t, p.g, 'group', '{}'::jsonb, $2
           from unnest($3::text[], $4::text[], $5::text[]) as p(g, m, t)
         on conflict (connector_id, kind, key) where closed_run_id is null do update set holder_type = excluded.holder_type`,
        [connectorId, syncRunId, ...arrays(held), tenantId],
      );
    }
  }
  if (gone.length > 0) {
    const [groups, memberIds] = arrays(gone);
    await tx.query(
      `delete from ${members} n using unnest($2::text[], $3::text[]) as p(g, m) where n.connector_id = $1 and n.group_id = p.g and n.member_id = p.m`,
      [connectorId, groups, memberIds],
    );
    if (history) {
      await tx.query(
        `delete from ${history} h using unnest($2::text[], $3::text[]) as p(g, m)
          where h.connector_id = $1 and h.kind = 'group_member' and h.closed_run_id is null and h.key = array[p.g, p.m]`,
        [connectorId, groups, memberIds],
      );
    }
  }
}

/** Objects as finalize's bootstrap merge writes them into an empty table (applyObjects.ts). */
async function writeObjects(tx: Queryable, table: string, syncRunId: number, stream: DeltaStream, objectIds: string[]): Promise<void> {
  await tx.query(
    `insert into ${table} as n (connector_id, id, data, deleted_at, deletion_kind, first_seen_run_id, last_changed_run_id)
     select r.connector_id, s.object_id, coalesce(s.data, jsonb_build_object('id', s.object_id)),
            case when s.data is null then now() end,
            case when s.data is null then case s.removed_reason when 'changed' then 'soft_deleted' else 'hard_deleted' end end,
            $1, $1
       from staged_objects s join sync_runs r on r.id = s.run_id
      where s.run_id = $1 and s.stream = $2 and s.object_id = any($3)
     on conflict (connector_id, id) do update set data = excluded.data, deleted_at = excluded.deleted_at, deletion_kind = excluded.deletion_kind`,
    [syncRunId, stream, objectIds],
  );
}

/**
 * After the last page: fresh statistics for the next tables, so finalize and the next runs plan
 * on their true size (they keep them when attached). Outside the page transactions: nothing else
 * reads these tables, and this is the build's only step after the last Graph answer.
 */
export async function analyzeNextTables(db: Database, syncRunId: number, stream: DeltaStream): Promise<void> {
  let built = false;
  for (const table of nextTablesOf(stream)) {
    if (!(await nextTableName(db, table, syncRunId))) continue;
    // As the tables' owner (migration 0042): ANALYZE skips a table its caller does not own.
    await db.query('select analyze_next_partition($1, $2)', [table, syncRunId]);
    built = true;
  }
  if (built) killPoint('build:afterLastPage');
}
