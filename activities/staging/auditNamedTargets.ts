import { classifyAuditActivity } from '../auditClassification';

/** Audit activities that change an app's or service principal's owners or app role assignments. */
const RECONCILE_ACTIVITIES = new Set([
  'application_owner_added',
  'application_owner_removed',
  'service_principal_owner_added',
  'service_principal_owner_removed',
  'app_role_assignment_added',
  'app_role_assignment_removed',
  'user_app_role_assignment_added',
  'user_app_role_assignment_removed',
  'group_app_role_assignment_added',
  'group_app_role_assignment_removed',
]);

/**
 * Modified properties that carry an app's or service principal's id (as JSON text): owner events
 * can name the owned app or service principal only there, on the owner's target, and assignment
 * events about a user the resource service principal.
 */
const RESOURCE_PROPERTIES = new Set(['serviceprincipal.objectid', 'application.objectid']);

type AuditTarget = { id?: unknown; modifiedProperties?: Array<{ displayName?: unknown; oldValue?: unknown; newValue?: unknown }> };

/**
 * The object ids an owner or app-role-assignment event names: every target resource (the owned
 * object and its owner; the resource and its principal) and the owned object or resource id some
 * events carry only in a modified property (`Application.ObjectID`, `ServicePrincipal.ObjectID`). Which of them are apps or service principals is decided against
 * the inventory, not the event's `type` text; an extra id costs at most one extra read.
 */
export function auditNamedIds(events: ReadonlyArray<{ activityDisplayName?: unknown; targetResources?: unknown }>): string[] {
  const ids = new Set<string>();
  for (const event of events) {
    const kind = classifyAuditActivity(event.activityDisplayName);
    if (!kind || !RECONCILE_ACTIVITIES.has(kind) || !Array.isArray(event.targetResources)) continue;
    for (const target of event.targetResources as AuditTarget[]) {
      if (typeof target?.id === 'string' && target.id) ids.add(target.id.toLowerCase());
      for (const property of target?.modifiedProperties ?? []) {
        if (typeof property.displayName !== 'string' || !RESOURCE_PROPERTIES.has(property.displayName.toLowerCase())) continue;
        for (const value of [property.oldValue, property.newValue]) {
          const id = jsonText(value);
          if (id) ids.add(id.toLowerCase());
        }
      }
    }
  }
  return [...ids].sort();
}

/** `"abc"` (JSON text, as audit logs write values) or plain `abc`. */
function jsonText(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'string' && parsed ? parsed : undefined;
  } catch {
    return value.trim();
  }
}
