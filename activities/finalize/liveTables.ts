import type { DeltaStream } from '../../shared/streams';

/**
 * The live table of each delta stream. Every one shares the inventory shape (connector_id, id,
 * data, deleted_at, deletion_kind, first_seen_run_id, last_changed_run_id), so one apply serves all.
 */
export const LIVE_TABLES: Record<DeltaStream, string> = {
  users: 'users',
  groups: 'groups',
  applications: 'applications',
  servicePrincipals: 'service_principals',
};
