import type { Queryable } from '../store/database';
import type { Counts } from './counts';
import { historyScopeOf, type HistoryScope } from './historyScope';

/** Every entitlement the live tables imply now, with the connector as `$1`. */
const CURRENT = `
    select a.principal_id, a.principal_type, a.resource_id, a.app_role_id, a.id as assignment_id, 'direct' as granted_via, '' as via_group_id
      from app_role_assignments a
      left join users u on u.connector_id = a.connector_id and u.id = a.principal_id and a.principal_type = 'User'
      left join service_principals p on p.connector_id = a.connector_id and p.id = a.principal_id and a.principal_type = 'ServicePrincipal'
     where a.connector_id = $1 and a.principal_type in ('User', 'ServicePrincipal')
       and coalesce(u.deleted_at, p.deleted_at) is null and (u.id is not null or p.id is not null)
    union all
    select m.member_id, 'User', a.resource_id, a.app_role_id, a.id, 'group', a.principal_id
      from app_role_assignments a
      join groups g on g.connector_id = a.connector_id and g.id = a.principal_id and g.deleted_at is null
      join group_members m on m.connector_id = a.connector_id and m.group_id = a.principal_id and m.member_type = 'user'
      join users u on u.connector_id = a.connector_id and u.id = m.member_id and u.deleted_at is null
     where a.connector_id = $1 and a.principal_type = 'Group'`;

/**
 * Recomputes who reaches which enterprise app (docs/architecture.md): a direct assignment to a live user or
 * service principal, or an assignment to a live group reaching the users that are its DIRECT
 * members (Entra does not pass app roles through nested groups). After a bootstrap every row is
 * recomputed; an incremental run recomputes only the rows it could have changed (the scope of
 * historyScope.ts): those of a touched principal or resource, through a removed group, or of a
 * membership pair the groups delta listed.
 */
export async function recomputeEntitlements(tx: Queryable, connectorId: string, syncRunId: number): Promise<Counts> {
  const scope = await historyScopeOf(tx, syncRunId);
  const { current, inScope, params } = scope.diff === 'whole' ? wholeScope(connectorId) : touchedScope(connectorId, syncRunId, scope);
  // Materialised once, so the diff below joins against it instead of re-running it per row.
  await tx.query('drop table if exists entitlements_now');
  await tx.query(
    `create temp table entitlements_now (principal_id text, principal_type text, resource_id text, app_role_id text, assignment_id text,
                                         granted_via text, via_group_id text) on commit drop`,
  );
  // A bootstrap wrote the live tables in this very transaction, so the planner has no statistics
  // for them and takes `connector_id = $1` to keep 0.5% of the rows: it then picks nested loops
  // that scan every live user once per group member, quadratic in the tenant (minutes at 200,000
  // users, hours at 1,000,000). Hash joins are linear whatever the estimates; ANALYZE is no way
  // out, its lock would be held until commit (as in recordHistory). An incremental run's touched
  // scope is the opposite case: statistics from before this run, and a few index lookups per
  // touched object, which hash joins over the whole tables would make 5 to 10 times slower.
  const { rows: setting } = await tx.query<{ nestloop: string }>(`select current_setting('enable_nestloop') as nestloop`);
  if (scope.diff === 'whole') await tx.query(`select set_config('enable_nestloop', 'off', true)`);
  await tx.query(`insert into entitlements_now ${current}`, params);
  await tx.query('analyze entitlements_now');
  // The delete pairs the stored rows in scope with the current ones, both possibly hundreds of
  // thousands (a touched app everyone reaches through a group): the planner, estimating the scope's
  // semi-join at one row, chose a nested-loop anti-join that scanned entitlements_now once per
  // stored row (over 7 minutes in a 1,000,000-user incremental). Hash joins are linear here too.
  await tx.query(`select set_config('enable_nestloop', 'off', true)`);
  const gone = await tx.query(
    `delete from effective_entitlements e where e.connector_id = $1 and ${inScope}
        and not exists (select 1 from entitlements_now c
                         where c.principal_id = e.principal_id and c.assignment_id = e.assignment_id and c.via_group_id = e.via_group_id)`,
    params,
  );
  await tx.query(`select set_config('enable_nestloop', $1, true)`, [setting[0]!.nestloop]);
  // In primary-key order (as recordHistory.ts writes history).
  const added = await tx.query(
    `insert into effective_entitlements (connector_id, principal_id, principal_type, resource_id, app_role_id, assignment_id, granted_via, via_group_id)
     select $1, c.* from entitlements_now c
      order by c.principal_id, c.assignment_id, c.via_group_id
     on conflict (connector_id, principal_id, assignment_id, via_group_id) do nothing`,
    [connectorId],
  );
  return { upserted: added.rowCount ?? 0, removed: gone.rowCount ?? 0 };
}

/** The current rows in scope (a select), which stored rows are in scope (a predicate on `e`), and the parameters of both. */
type Scoped = { current: string; inScope: string; params: unknown[] };

function wholeScope(connectorId: string): Scoped {
  return { current: CURRENT, inScope: 'true', params: [connectorId] };
}

/**
 * The rows an incremental run could have changed, as the current ones (a select) and the stored
 * ones (their keys). Each branch of a union is one index lookup, so the work follows the change.
 */
function touchedScope(connectorId: string, syncRunId: number, scope: Extract<HistoryScope, { diff: 'touched' }>): Scoped {
  // $1 connector, $2 touched objects, $3 removed objects, $4 run.
  const pairs = 'select s.group_id, s.member_id from staged_memberships s where s.run_id = $4';
  const now = (where: string) => `select c.* from (${CURRENT}) c where ${where}`;
  const stored = (where: string) =>
    `select e.principal_id, e.assignment_id, e.via_group_id from effective_entitlements e where e.connector_id = $1 and ${where}`;
  const branches = (t: string) => [`${t}.principal_id = any($2)`, `${t}.resource_id = any($2)`, `${t}.via_group_id = any($3)`, `(${t}.via_group_id, ${t}.principal_id) in (${pairs})`];
  return {
    current: branches('c').map(now).join(' union '),
    inScope: `(e.principal_id, e.assignment_id, e.via_group_id) in (${branches('e').map(stored).join(' union ')})`,
    params: [connectorId, scope.objectIds, scope.removedIds, syncRunId],
  };
}
