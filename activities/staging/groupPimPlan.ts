import type { Database } from '../store/database';
import { periodicQuota } from './periodicQuota';

/**
 * Why a run reads a role-assignable group's PIM for Groups schedules (staged_group_pim_groups.reason):
 * - `bootstrap`: the groups delta read every group this run (or did not run, or did not finish in
 *   time for the plan), so every group is read;
 * - `unread`: no committed run read it (new, or the stream was unavailable);
 * - `changed`: the groups delta reported the group or its members or owners this run;
 * - `periodic`: its share of the periodic full read, oldest read first (at least one group a run).
 */
export type GroupPimReason = 'bootstrap' | 'unread' | 'changed' | 'periodic';

// A quiet incremental run's groups pull ends a round trip or two in, and PIM for Groups, then
// finalize, start up to a poll after it (25 ms on average at 50 ms, on a 10,000-user incremental's
// critical path): each poll is one indexed read, so the first second polls every 10 ms.
const FIRST_POLLS_MS = 10;
const FIRST_POLLS_FOR_MS = 1_000;
const POLL_MS = 50;
/**
 * The longest the plan waits for the run's groups pull. Past it every group is read, as after a
 * bootstrap: always correct, and a worker whose activity slots are all taken by waiting pulls can
 * never leave this one waiting for a groups pull that cannot start.
 */
const GROUPS_WAIT_MS = 120_000;

/**
 * Chooses which of the role-assignable groups Graph listed this run reads (docs/graph-behaviour.md,
 * "PIM for Groups in the connector"): PIM for Groups has no delta, so a group is read when the
 * groups delta says it changed, when it was never read, and for its periodic share. To know what
 * the groups delta said, this waits for this run's groups pull to finish (`waitOne` heartbeats).
 * The plan is kept in staged_group_pim_groups with every listed group (reason null: not read), so
 * finalize knows which groups' instances to replace and which groups are gone; a retried attempt
 * returns the plan the first attempt made.
 */
export async function planGroupPimReads(
  db: Database,
  input: { syncRunId: number; connectorId: string; listed: string[]; fullEveryMs: number; waitOne: (ms: number) => Promise<void> },
): Promise<string[]> {
  const { syncRunId, connectorId, listed, fullEveryMs } = input;
  const planned = await readPlan(db, syncRunId);
  if (planned) return planned;
  const groupsRound = await groupsRoundOf(db, syncRunId, input.waitOne);
  const { rows } = await db.query<{ id: string; reason: GroupPimReason | null; due: boolean; readAt: Date | null }>(
    `select l.id,
            case when $4 then 'bootstrap'
                 when r.group_id is null then 'unread'
                 when exists (select 1 from staged_objects s where s.run_id = $1 and s.stream = 'groups' and s.object_id = l.id)
                   or exists (select 1 from staged_memberships s where s.run_id = $1 and s.group_id = l.id)
                   or exists (select 1 from staged_group_owners s where s.run_id = $1 and s.group_id = l.id) then 'changed'
            end as reason,
            coalesce(r.read_at <= now() - $5 * interval '1 millisecond', false) as due,
            r.read_at as "readAt"
       from unnest($3::text[]) as l(id)
       left join group_pim_reads r on r.connector_id = $2 and r.group_id = l.id`,
    [syncRunId, connectorId, listed, groupsRound === 'bootstrap', fullEveryMs],
  );
  const { rows: last } = await db.query<{ elapsedMs: number | null }>(
    `select (extract(epoch from now() - max(read_at)) * 1000)::float8 as "elapsedMs" from group_pim_reads where connector_id = $1`,
    [connectorId],
  );
  const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const rest = rows.filter((r) => r.reason === null).sort((a, b) => a.readAt!.getTime() - b.readAt!.getTime() || byId(a.id, b.id));
  const quota = periodicQuota({ total: rows.length, due: rest.filter((r) => r.due).length, elapsedMs: last[0]?.elapsedMs ?? fullEveryMs, periodMs: fullEveryMs });
  // At least one group every run: a lapsed licence or a withdrawn permission shows in the run it happens.
  for (const r of rest.slice(0, Math.max(1, quota))) r.reason = 'periodic';
  await db.query(
    `insert into staged_group_pim_groups (run_id, group_id, reason) select $1, l.id, l.reason from unnest($2::text[], $3::text[]) as l(id, reason)
     on conflict do nothing`,
    [syncRunId, rows.map((r) => r.id), rows.map((r) => r.reason)],
  );
  return (await readPlan(db, syncRunId)) ?? [];
}

/** The groups the run's plan reads, once it has one. */
async function readPlan(db: Database, syncRunId: number): Promise<string[] | undefined> {
  const { rows } = await db.query<{ id: string; reason: string | null }>(
    'select group_id as id, reason from staged_group_pim_groups where run_id = $1 order by group_id',
    [syncRunId],
  );
  if (rows.length === 0) return undefined;
  return rows.filter((r) => r.reason !== null).map((r) => r.id);
}

/**
 * How this run's groups delta read: `bootstrap` (planned so, or re-bootstrapped inside the run, or
 * not part of the run, or not finished within GROUPS_WAIT_MS) or `incremental`, once its pull finished.
 */
async function groupsRoundOf(db: Database, syncRunId: number, waitOne: (ms: number) => Promise<void>): Promise<'bootstrap' | 'incremental'> {
  for (let waited = 0; waited <= GROUPS_WAIT_MS; ) {
    const { rows } = await db.query<{ mode: string; pulled: boolean }>(
      `select mode, pulled_at is not null as pulled from sync_run_streams where run_id = $1 and stream = 'groups'`,
      [syncRunId],
    );
    const groups = rows[0];
    if (!groups || groups.mode === 'bootstrap') return 'bootstrap';
    if (groups.pulled) return 'incremental';
    const poll = waited < FIRST_POLLS_FOR_MS ? FIRST_POLLS_MS : POLL_MS;
    await waitOne(poll);
    waited += poll;
  }
  return 'bootstrap';
}
