import type { RunningSimulator } from '../../simulator/server';
import type { SyncHarness } from './syncHarness';
import { KEPT_AUDIT_ACTIVITIES } from './keptAuditActivities';

const KEPT = new Set(KEPT_AUDIT_ACTIVITIES);

/** Ids of the kept events of the simulator's audit log at or after `since`: the ground truth. */
export const keptAuditEventIds = (sim: RunningSimulator, since: number): string[] =>
  [...sim.tenant.directoryAudits.newestFirst()]
    .filter((e) => KEPT.has(e.activityDisplayName) && Date.parse(e.activityDateTime) >= since)
    .map((e) => e.id)
    .sort();

/** Ids of the audit events the connector committed. */
export const storedAuditEventIds = async (harness: SyncHarness): Promise<string[]> =>
  (await harness.query<{ id: string }>('select id from credential_audit_events where connector_id = $1', [harness.connectorId])).map((r) => r.id).sort();

/** How far back the connector's audit queries reach (the oldest span floor). */
export const auditFloor = async (harness: SyncHarness): Promise<number> =>
  (await harness.query<{ floor: Date }>('select min(floor) as floor from audit_sources where connector_id = $1', [harness.connectorId]))[0]!.floor.getTime();
