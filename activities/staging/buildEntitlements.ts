import type { ActivityDeps } from '../deps';
import { inTransaction, type Queryable } from '../store/database';
import { heartbeatWhile } from '../heartbeatWhile';
import { killPoint } from '../killPoint';
import { owningRun } from '../owningRun';
import { withHashJoins } from '../finalize/indexPlans';
import { hasPartition, nextTableName } from './nextTables';
import { requireRunningOwner } from './stagingLease';
import { claimRun } from '../store/runs';

export type EntitlementsBuild = { built: boolean; rows: number };

/**
 * A connector's first bootstrap builds its effective entitlements before finalize
 * (docs/bootstrap-swap.md): once reconciliation and the groups pull are done, while the users
 * round still runs, into a next table that finalize attaches at the commit. Building it again
 * (a retried attempt) starts from an empty table; nothing to build leaves nothing behind.
 */
export function buildEntitlementsActivity({ db }: ActivityDeps) {
  return async function buildEntitlements(input: { syncRunId: number; connectorId: string }): Promise<EntitlementsBuild> {
    const owner = owningRun();
    // A reset to a point before this step takes the failed run over here, as every activity of a run does.
    if ((await claimRun(db, input.syncRunId, owner)) === 'committed') return { built: false, rows: 0 };
    const result = await heartbeatWhile(() => inTransaction(db, (tx) => build(tx, input.syncRunId, input.connectorId, owner)));
    if (result.built) killPoint('build:afterEntitlements');
    return result;
  };
}

async function build(tx: Queryable, syncRunId: number, connectorId: string, owner: string): Promise<EntitlementsBuild> {
  // Held to the commit: a failRun or a finalize of this run waits, so the table cannot outlive a discard of the staging.
  const { rows: run } = await tx.query<{ status: string; owner: string }>(
    'select status, workflow_run_id as owner from sync_runs where id = $1 for share',
    [syncRunId],
  );
  requireRunningOwner({ syncRunId, owner }, run[0]);
  const members = await nextTableName(tx, 'group_members', syncRunId);
  const usable = members && (await nextTableName(tx, 'users', syncRunId)) && !(await hasPartition(tx, 'effective_entitlements', connectorId)) && (await reconciled(tx, syncRunId));
  await tx.query('select drop_next_partition($1, $2)', ['effective_entitlements', syncRunId]);
  if (!usable) return { built: false, rows: 0 };
  await tx.query('select create_next_partition($1, $2, $3)', ['effective_entitlements', connectorId, syncRunId]);
  const next = await nextTableName(tx, 'effective_entitlements', syncRunId);
  // As finalize's CURRENT (recomputeEntitlements.ts) reads the tables this commit will hold, from
  // what they are built from: the run's staged assignments, groups and service principals, and the
  // memberships' next table. Users are still arriving, so every principal of type User counts as
  // live here; finalize takes out the rows of users that are not (recomputeEntitlements.ts).
  const inserted = await withHashJoins(tx, () =>
    tx.query(
      `insert into ${next} (connector_id, principal_id, principal_type, resource_id, app_role_id, assignment_id, granted_via, via_group_id)
       select $1, c.* from (
         select a.data ->> 'principalId', a.data ->> 'principalType', a.data ->> 'resourceId', a.data ->> 'appRoleId', a.id, 'direct', ''
           from staged_app_role_assignments a
           left join staged_objects p on p.run_id = $2 and p.stream = 'servicePrincipals' and p.object_id = a.data ->> 'principalId'
          where a.run_id = $2 and (a.data ->> 'principalType' = 'User' or (a.data ->> 'principalType' = 'ServicePrincipal' and p.data is not null))
         union all
         select m.member_id, 'User', a.data ->> 'resourceId', a.data ->> 'appRoleId', a.id, 'group', m.group_id
           from staged_app_role_assignments a
           join staged_objects g on g.run_id = $2 and g.stream = 'groups' and g.object_id = a.data ->> 'principalId' and g.data is not null
           join ${members} m on m.group_id = g.object_id and m.member_type = 'user'
          where a.run_id = $2 and a.data ->> 'principalType' = 'Group'
       ) c (principal_id, principal_type, resource_id, app_role_id, assignment_id, granted_via, via_group_id)
       order by c.principal_id, c.assignment_id, c.via_group_id
       on conflict (connector_id, principal_id, assignment_id, via_group_id) do nothing`,
      [connectorId, syncRunId],
    ),
  );
  // As the table's owner (migration 0042); the attach keeps these statistics.
  await tx.query('select analyze_next_partition($1, $2)', ['effective_entitlements', syncRunId]);
  return { built: true, rows: inserted.rowCount ?? 0 };
}

/** Whether the run's reconciliation recorded its end: without it finalize recomputes no entitlement. */
async function reconciled(tx: Queryable, syncRunId: number): Promise<boolean> {
  const { rowCount } = await tx.query(`select 1 from sync_run_streams where run_id = $1 and stream = 'owners' and pulled_at is not null`, [syncRunId]);
  return Boolean(rowCount);
}
