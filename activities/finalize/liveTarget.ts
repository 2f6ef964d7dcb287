/** Whether the app or service principal is live in the inventory (finalize applied the run's objects first). */
export function liveTarget(objectType: string, objectId: string): string {
  return `(case ${objectType}
             when 'application' then exists (select 1 from applications l where l.connector_id = $1 and l.id = ${objectId} and l.deleted_at is null)
             else exists (select 1 from service_principals l where l.connector_id = $1 and l.id = ${objectId} and l.deleted_at is null) end)`;
}
