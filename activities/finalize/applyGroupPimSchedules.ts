import type { Queryable } from '../store/database';
import type { Counts } from './counts';
import { hasEnded, stagedInForce } from './endedInstances';

/**
 * Applies the PIM for Groups schedule instances (eligible and active, memberships and ownerships)
 * this run read, keyed by (connector, kind, instance id). The run read some role-assignable groups
 * (activities/staging/groupPimPlan.ts): each group it read gets exactly what Graph listed for it;
 * groups it listed but did not read keep theirs; groups no longer listed (deleted) lose theirs. An
 * instance ended by the run's start is never held, read or not (endedInstances.ts). A pull the tenant
 * could not offer (no licence or permission) staged nothing: the copy then holds none, and forgets
 * every read, so the run after it reads every group again. A run whose pull listed no group (none
 * is role-assignable, or a pull from before the per-group plan) replaces the whole set. A principal
 * the inventory holds deleted (the objects are applied before this) holds nothing: its deletion
 * does not make the groups delta report the groups it was eligible in, only members.
 */
export async function applyGroupPimSchedules(tx: Queryable, connectorId: string, syncRunId: number): Promise<Counts> {
  const { rows } = await tx.query<{ listed: number; coverage: string | null }>(
    `select (select count(*) from staged_group_pim_groups where run_id = $1)::int as listed,
            (select coverage from sync_run_streams where run_id = $1 and stream = 'groupPimSchedules') as coverage`,
    [syncRunId],
  );
  const { listed, coverage } = rows[0]!;
  const perGroup = listed > 0 && coverage !== 'unavailable';
  const gone = await tx.query(
    perGroup
      ? `delete from group_pim_schedule_instances l using sync_runs r
          where l.connector_id = $1 and r.id = $2
            and (not exists (select 1 from staged_group_pim_groups g where g.run_id = $2 and g.group_id = l.group_id)
                 or (exists (select 1 from staged_group_pim_groups g where g.run_id = $2 and g.group_id = l.group_id and g.reason is not null)
                     and not exists (select 1 from staged_group_pim_schedules s where s.run_id = $2 and s.kind = l.kind and s.id = l.id and ${stagedInForce('s', 'r.started_at')}))
                 or ${hasEnded('l.end_at', 'r.started_at')})`
      : `delete from group_pim_schedule_instances l using sync_runs r
          where l.connector_id = $1 and r.id = $2
            and not exists (select 1 from staged_group_pim_schedules s where s.run_id = $2 and s.kind = l.kind and s.id = l.id and ${stagedInForce('s', 'r.started_at')})`,
    [connectorId, syncRunId],
  );
  const ofDeleted = await tx.query(`delete from group_pim_schedule_instances l where l.connector_id = $1 and ${deletedPrincipal('l.principal_id')}`, [connectorId]);
  const written = await tx.query(
    `insert into group_pim_schedule_instances as live (connector_id, kind, id, data, first_seen_run_id)
     select $1, s.kind, s.id, s.data, $2 from staged_group_pim_schedules s join sync_runs r on r.id = s.run_id
      where s.run_id = $2 and ${stagedInForce('s', 'r.started_at')} and not ${deletedPrincipal("s.data->>'principalId'")}
     on conflict (connector_id, kind, id) do update set data = excluded.data where live.data is distinct from excluded.data`,
    [connectorId, syncRunId],
  );
  await recordGroupReads(tx, connectorId, syncRunId, perGroup);
  return { upserted: written.rowCount ?? 0, removed: (gone.rowCount ?? 0) + (ofDeleted.rowCount ?? 0) };
}

/** Whether the inventory holds the principal (a user, group or service principal) deleted. */
function deletedPrincipal(principalId: string): string {
  const tables = ['users', 'groups', 'service_principals'];
  return `(${tables.map((t) => `exists (select 1 from ${t} p where p.connector_id = $1 and p.id = ${principalId} and p.deleted_at is not null)`).join(' or ')})`;
}

/** When each group was last read: the run's start, since what it read is at least that fresh. */
async function recordGroupReads(tx: Queryable, connectorId: string, syncRunId: number, perGroup: boolean): Promise<void> {
  if (!perGroup) {
    await tx.query('delete from group_pim_reads where connector_id = $1', [connectorId]);
    return;
  }
  await tx.query(
    `insert into group_pim_reads (connector_id, group_id, read_at, run_id, reason)
     select $1, g.group_id, r.started_at, $2, g.reason
       from staged_group_pim_groups g join sync_runs r on r.id = g.run_id
      where g.run_id = $2 and g.reason is not null
     on conflict (connector_id, group_id) do update set read_at = excluded.read_at, run_id = excluded.run_id, reason = excluded.reason`,
    [connectorId, syncRunId],
  );
  await tx.query(
    `delete from group_pim_reads d where d.connector_id = $1
        and not exists (select 1 from staged_group_pim_groups g where g.run_id = $2 and g.group_id = d.group_id)`,
    [connectorId, syncRunId],
  );
}
