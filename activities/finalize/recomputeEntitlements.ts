import type { Queryable } from '../store/database';
import type { Counts } from './counts';
import { historyScopeOf, type HistoryScope } from './historyScope';
import { withHashJoins, withIndexPlans } from './indexPlans';
import { CHANGED_ASSIGNMENTS, createChangedAssignments } from './applyReconciled';

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
 * recomputed; an incremental run recomputes only the rows it could have changed (touchedScope,
 * below). `given` is the run's scope when the caller took it already (finalize, tests). `built`:
 * the connector's first bootstrap built them before finalize and they are attached already.
 */
export async function recomputeEntitlements(tx: Queryable, connectorId: string, syncRunId: number, given?: HistoryScope, built = false): Promise<Counts> {
  if (built) return correctBuilt(tx, connectorId);
  const scope = given ?? (await historyScopeOf(tx, syncRunId));
  if (scope.diff === 'whole' && !(await storesEntitlements(tx, connectorId))) return insertAll(tx, connectorId);
  // Materialised once, so the diff below joins against it instead of re-running it per row.
  await tx.query('drop table if exists entitlements_now');
  await tx.query(
    `create temp table entitlements_now (principal_id text, principal_type text, resource_id text, app_role_id text, assignment_id text,
                                         granted_via text, via_group_id text) on commit drop`,
  );
  let gone: { rowCount: number | null };
  if (scope.diff === 'whole') {
    // A bootstrap wrote the live tables in this very transaction: a nested loop would scan every
    // live user once per group member (indexPlans.ts, withHashJoins).
    gone = await withHashJoins(tx, async () => {
      await tx.query(`insert into entitlements_now ${CURRENT}`, [connectorId]);
      await tx.query('analyze entitlements_now');
      return tx.query(
        `delete from effective_entitlements e where e.connector_id = $1
            and not exists (select 1 from entitlements_now c
                             where c.principal_id = e.principal_id and c.assignment_id = e.assignment_id and c.via_group_id = e.via_group_id)`,
        [connectorId],
      );
    });
  } else {
    // An incremental run's touched scope: index lookups per row in scope (indexPlans.ts), the
    // current rows and the stored keys in scope both materialised and analysed, so the diff
    // between them is planned on their true sizes.
    const { current, stored, params } = touchedScope(connectorId, syncRunId, scope, await changedAssignmentsOf(tx));
    await tx.query('drop table if exists entitlements_scope');
    await tx.query('create temp table entitlements_scope (principal_id text, assignment_id text, via_group_id text) on commit drop');
    await withIndexPlans(tx, async () => {
      await tx.query(`insert into entitlements_now ${current}`, params);
      await tx.query(`insert into entitlements_scope ${stored}`, params);
    });
    await tx.query('analyze entitlements_now, entitlements_scope');
    gone = await tx.query(
      `delete from effective_entitlements e using entitlements_scope k
        where e.connector_id = $1 and e.principal_id = k.principal_id and e.assignment_id = k.assignment_id and e.via_group_id = k.via_group_id
          and not exists (select 1 from entitlements_now c
                           where c.principal_id = e.principal_id and c.assignment_id = e.assignment_id and c.via_group_id = e.via_group_id)`,
      [connectorId],
    );
  }
  return { upserted: await insertEntitlements(tx, connectorId, 'entitlements_now'), removed: gone.rowCount ?? 0 };
}

/** Inserts the rows of `source` not stored yet, in primary-key order (as recordHistory.ts writes history); how many. */
async function insertEntitlements(tx: Queryable, connectorId: string, source: string): Promise<number> {
  const added = await tx.query(
    `insert into effective_entitlements (connector_id, principal_id, principal_type, resource_id, app_role_id, assignment_id, granted_via, via_group_id)
     select $1, c.* from ${source} c
      order by c.principal_id, c.assignment_id, c.via_group_id
     on conflict (connector_id, principal_id, assignment_id, via_group_id) do nothing`,
    [connectorId],
  );
  return added.rowCount ?? 0;
}

/** Whether the connector has any entitlement stored (none before its first commit, or after a data reset). */
async function storesEntitlements(tx: Queryable, connectorId: string): Promise<boolean> {
  const { rowCount } = await tx.query('select 1 from effective_entitlements where connector_id = $1 limit 1', [connectorId]);
  return (rowCount ?? 0) > 0;
}

/**
 * A first bootstrap's entitlements were built before the users round ended, counting every
 * principal of type User as live (buildEntitlements.ts); every other table they are built from
 * was complete. So the rows of users that are not live now (removed in the round, or never listed)
 * are the ones CURRENT would not hold. Nothing was stored before: what is left counts as added.
 */
async function correctBuilt(tx: Queryable, connectorId: string): Promise<Counts> {
  await withHashJoins(tx, () =>
    tx.query(
      `delete from effective_entitlements e
        where e.connector_id = $1 and e.principal_type = 'User'
          and not exists (select 1 from users u where u.connector_id = $1 and u.id = e.principal_id and u.deleted_at is null)`,
      [connectorId],
    ),
  );
  const { rows } = await tx.query<{ n: number }>('select count(*)::int as n from effective_entitlements where connector_id = $1', [connectorId]);
  return { upserted: rows[0]!.n, removed: 0 };
}

/**
 * Nothing stored, so nothing to diff: every current row is inserted as it is computed, without the
 * materialised copy, its ANALYZE and the anti-join; hash joins, as for the whole diff.
 */
async function insertAll(tx: Queryable, connectorId: string): Promise<Counts> {
  return { upserted: await withHashJoins(tx, () => insertEntitlements(tx, connectorId, `(${CURRENT})`)), removed: 0 };
}

/**
 * The rows an incremental run could have changed, as the current ones and the stored ones (their
 * keys), each a select: those of a touched principal; of an app role assignment this run removed,
 * added or changed (applyReconciled.ts keeps them); through a group this run removed; or of a
 * membership pair the groups delta listed. A service principal that reconciliation re-read
 * without a change to its assignments adds nothing, and neither does a changed or restored group:
 * a group's rows change only with its assignments (finalize dropped those of a removed group; a
 * restored group's come back when reconciliation reads them again) or its memberships (listed
 * pairs). Each branch of a union is driven by index lookups from what the run touched, so the work
 * follows the change.
 */
function touchedScope(
  connectorId: string,
  syncRunId: number,
  scope: Extract<HistoryScope, { diff: 'touched' }>,
  assignmentIds: string[],
): { current: string; stored: string; params: unknown[] } {
  // $1 connector, $2 touched objects, $3 removed objects, $4 run, $5 changed assignments.
  // Each condition is on a column of CURRENT's branches, as `= any(array)`: PostgreSQL pushes it into
  // both, where it drives an index lookup. (An `in (subquery)` is not pushed down: it ran CURRENT whole.)
  const now = (where: string) => `select c.* from (${CURRENT}) c where ${where}`;
  // A listed pair reaches only through its group (a direct row's via_group_id is ''): driven from the staged pairs.
  const nowOfPairs = `
    select m.member_id, 'User', a.resource_id, a.app_role_id, a.id, 'group', a.principal_id
      from staged_memberships s
      join app_role_assignments a on a.connector_id = $1 and a.principal_id = s.group_id and a.principal_type = 'Group'
      join groups g on g.connector_id = $1 and g.id = a.principal_id and g.deleted_at is null
      join group_members m on m.connector_id = $1 and m.group_id = s.group_id and m.member_id = s.member_id and m.member_type = 'user'
      join users u on u.connector_id = $1 and u.id = m.member_id and u.deleted_at is null
     where s.run_id = $4`;
  const stored = (where: string) =>
    `select e.principal_id, e.assignment_id, e.via_group_id from effective_entitlements e where e.connector_id = $1 and ${where}`;
  const storedOfPairs = `
    select e.principal_id, e.assignment_id, e.via_group_id
      from staged_memberships s join effective_entitlements e on e.connector_id = $1 and e.principal_id = s.member_id and e.via_group_id = s.group_id
     where s.run_id = $4`;
  // A changed assignment's stored rows, by the principal it names: a group's through the group, any
  // other's directly. They are read from the kept table, with the principals; $5 is only typed here.
  const storedOfAssignments = (principal: string) => `
    select e.principal_id, e.assignment_id, e.via_group_id
      from ${CHANGED_ASSIGNMENTS} k join effective_entitlements e on e.connector_id = $1 and e.assignment_id = k.id and ${principal}
     where $5::text[] is not null`;
  return {
    current: [
      now('c.principal_id = any($2)'),
      now('c.assignment_id = any($5)'),
      now('c.via_group_id = any($3)'),
      nowOfPairs,
    ].join(' union '),
    // via_group_id <> '' lets the lookups by group use its (partial) index.
    stored: [
      stored('e.principal_id = any($2)'),
      storedOfAssignments(`k.principal_type = 'Group' and e.via_group_id = k.principal_id and e.via_group_id <> ''`),
      storedOfAssignments(`k.principal_type <> 'Group' and e.principal_id = k.principal_id and e.via_group_id = ''`),
      stored(`e.via_group_id = any($3) and e.via_group_id <> ''`),
      storedOfPairs,
    ].join(' union '),
    params: [connectorId, scope.objectIds, scope.removedIds, syncRunId, assignmentIds],
  };
}

/** The app role assignments this transaction changed (applyReconciled.ts keeps them; none when the caller applied none). */
async function changedAssignmentsOf(tx: Queryable): Promise<string[]> {
  await createChangedAssignments(tx);
  const { rows } = await tx.query<{ ids: string[] }>(`select array(select k.id from ${CHANGED_ASSIGNMENTS} k) as ids`);
  return rows[0]!.ids;
}
