import { classifyAuditActivity, credentialKeyIds } from '../auditClassification';
import type { Queryable } from './database';
import { AUDIT_STREAM } from '../../shared/streams';

export type Counts = { upserted: number; removed: number };

/** Replaces owners and app role assignments with what this run's reconciliation read. */
export async function applyReconciled(tx: Queryable, connectorId: string, runId: number): Promise<{ owners: Counts; appRoleAssignments: Counts }> {
  const unfinished = await tx.query('select 1 from reconcile_targets where run_id = $1 and not done limit 1', [runId]);
  if (unfinished.rowCount) throw new Error(`run ${runId}: reconciliation has not finished`);
  const ownersGone = await tx.query(
    `delete from owners o where o.connector_id = $1 and not exists (
       select 1 from staged_owners s where s.run_id = $2 and s.object_type = o.object_type and s.object_id = o.object_id and s.owner_id = o.owner_id)`,
    [connectorId, runId],
  );
  const ownersAdded = await tx.query(
    `insert into owners (connector_id, object_type, object_id, owner_id, owner_type, first_seen_run_id)
     select $1, s.object_type, s.object_id, s.owner_id, s.owner_type, $2 from staged_owners s where s.run_id = $2
     on conflict (connector_id, object_type, object_id, owner_id) do nothing`,
    [connectorId, runId],
  );
  const assignmentsGone = await tx.query(
    `delete from app_role_assignments a where a.connector_id = $1 and not exists (
       select 1 from staged_app_role_assignments s where s.run_id = $2 and s.id = a.id)`,
    [connectorId, runId],
  );
  const assignmentsWritten = await tx.query(
    `insert into app_role_assignments as live (connector_id, id, data, first_seen_run_id)
     select $1, s.id, s.data, $2 from staged_app_role_assignments s where s.run_id = $2
     on conflict (connector_id, id) do update set data = excluded.data where live.data is distinct from excluded.data`,
    [connectorId, runId],
  );
  return {
    owners: { upserted: ownersAdded.rowCount ?? 0, removed: ownersGone.rowCount ?? 0 },
    appRoleAssignments: { upserted: assignmentsWritten.rowCount ?? 0, removed: assignmentsGone.rowCount ?? 0 },
  };
}

/** Replaces role definitions and active role assignments with what this run read. */
export async function applyDirectoryRoles(tx: Queryable, connectorId: string, runId: number): Promise<Counts> {
  await tx.query(
    `delete from directory_role_definitions d where d.connector_id = $1 and not exists (
       select 1 from staged_directory_roles s where s.run_id = $2 and s.kind = 'definition' and s.id = d.id)`,
    [connectorId, runId],
  );
  await tx.query(
    `insert into directory_role_definitions as live (connector_id, id, data)
     select $1, s.id, s.data from staged_directory_roles s where s.run_id = $2 and s.kind = 'definition'
     on conflict (connector_id, id) do update set data = excluded.data where live.data is distinct from excluded.data`,
    [connectorId, runId],
  );
  const gone = await tx.query(
    `delete from directory_role_assignments a where a.connector_id = $1 and not exists (
       select 1 from staged_directory_roles s where s.run_id = $2 and s.kind = 'assignment' and s.id = a.id)`,
    [connectorId, runId],
  );
  const written = await tx.query(
    `insert into directory_role_assignments as live (connector_id, id, data, first_seen_run_id)
     select $1, s.id, s.data, $2 from staged_directory_roles s where s.run_id = $2 and s.kind = 'assignment'
     on conflict (connector_id, id) do update set data = excluded.data where live.data is distinct from excluded.data`,
    [connectorId, runId],
  );
  return { upserted: written.rowCount ?? 0, removed: gone.rowCount ?? 0 };
}

/** Inserts new credential audit events (an event id is stored once) and moves the watermark. */
export async function applyAuditEvents(tx: Queryable, connectorId: string, runId: number, watermark: Date | null): Promise<Counts> {
  const { rows } = await tx.query<{ id: string; data: Record<string, unknown> }>('select id, data from staged_audit_events where run_id = $1', [runId]);
  const inserted = await tx.query(
    `insert into credential_audit_events (connector_id, id, activity, data, key_ids, first_seen_run_id)
     select $1, e.i, e.a, e.d, array(select jsonb_array_elements_text(e.k)), $2
       from unnest($3::text[], $4::text[], $5::jsonb[], $6::jsonb[]) e(i, a, d, k)
     on conflict (connector_id, id) do nothing`,
    [
      connectorId,
      runId,
      rows.map((r) => r.id),
      rows.map((r) => classifyAuditActivity(r.data.activityDisplayName) ?? 'other'),
      rows.map((r) => JSON.stringify(r.data)),
      rows.map((r) => JSON.stringify(credentialKeyIds(r.data))),
    ],
  );
  if (watermark) {
    await tx.query(
      `insert into audit_watermarks (connector_id, stream, watermark, run_id) values ($1, $2, $3, $4)
       on conflict (connector_id, stream) do update set watermark = greatest(audit_watermarks.watermark, excluded.watermark), run_id = excluded.run_id`,
      [connectorId, AUDIT_STREAM, watermark, runId],
    );
  }
  return { upserted: inserted.rowCount ?? 0, removed: 0 };
}

/**
 * Recomputes who reaches which enterprise app (DESIGN.md): a direct assignment to a live user or
 * service principal, or an assignment to a live group reaching the users that are its DIRECT
 * members (Entra does not pass app roles through nested groups).
 */
export async function recomputeEntitlements(tx: Queryable, connectorId: string): Promise<Counts> {
  const current = `
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
  // Materialised once, so the diff below joins against it instead of re-running it per row.
  await tx.query('drop table if exists entitlements_now');
  await tx.query(`create temp table entitlements_now on commit drop as ${current.replaceAll('$1', format(connectorId))}`);
  await tx.query('analyze entitlements_now');
  const gone = await tx.query(
    `delete from effective_entitlements e where e.connector_id = $1 and not exists (
       select 1 from entitlements_now c where c.principal_id = e.principal_id and c.assignment_id = e.assignment_id and c.via_group_id = e.via_group_id)`,
    [connectorId],
  );
  const added = await tx.query(
    `insert into effective_entitlements (connector_id, principal_id, principal_type, resource_id, app_role_id, assignment_id, granted_via, via_group_id)
     select $1, c.* from entitlements_now c
     on conflict (connector_id, principal_id, assignment_id, via_group_id) do nothing`,
    [connectorId],
  );
  return { upserted: added.rowCount ?? 0, removed: gone.rowCount ?? 0 };
}

/** A SQL string literal (CREATE TABLE AS takes no parameters). */
function format(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
