/**
 * Directory audit activities that concern app credentials and access, by normalised name. Live
 * logs spell some with an EN DASH ("Update application – Certificates and secrets management"),
 * others with a hyphen or trailing spaces: names are compared with dashes and spaces normalised.
 */
const ACTIVITIES: Record<string, string> = {
  'update application - certificates and secrets management': 'application_credentials_updated',
  'add service principal credentials': 'service_principal_credentials_added',
  'remove service principal credentials': 'service_principal_credentials_removed',
  'update external secrets': 'external_secrets_updated',
  'add owner to application': 'application_owner_added',
  'remove owner from application': 'application_owner_removed',
  'add owner to service principal': 'service_principal_owner_added',
  'remove owner from service principal': 'service_principal_owner_removed',
  'add app role assignment to service principal': 'app_role_assignment_added',
  'remove app role assignment from service principal': 'app_role_assignment_removed',
  'add app role assignment grant to user': 'user_app_role_assignment_added',
  'remove app role assignment from user': 'user_app_role_assignment_removed',
  'add app role assignment to group': 'group_app_role_assignment_added',
  'remove app role assignment from group': 'group_app_role_assignment_removed',
  'consent to application': 'consent_granted',
  'add delegated permission grant': 'delegated_permission_granted',
};

export function normaliseActivityName(name: string): string {
  return name.replace(/[\u2010-\u2015\u2212]/g, '-').replace(/\s+/g, ' ').trim().toLowerCase();
}

export function classifyAuditActivity(activityDisplayName: unknown): string | undefined {
  return typeof activityDisplayName === 'string' ? ACTIVITIES[normaliseActivityName(activityDisplayName)] : undefined;
}

const KEY_IDENTIFIER = /KeyIdentifier=([0-9a-fA-F-]{36})/g;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The credential key ids named in an event's modifiedProperties (old and new values are JSON text). */
export function credentialKeyIds(event: { targetResources?: unknown }): string[] {
  const ids = new Set<string>();
  const targets = Array.isArray(event.targetResources) ? event.targetResources : [];
  for (const target of targets as Array<{ modifiedProperties?: Array<{ oldValue?: unknown; newValue?: unknown }> }>) {
    for (const property of target.modifiedProperties ?? []) {
      for (const value of [property.oldValue, property.newValue]) {
        if (typeof value !== 'string') continue;
        for (const match of value.matchAll(KEY_IDENTIFIER)) ids.add(match[1]!.toLowerCase());
        collectKeyIdFields(value, ids);
      }
    }
  }
  return [...ids].sort();
}

/** Some events carry JSON objects with a keyId field instead of the KeyIdentifier=... form. */
function collectKeyIdFields(text: string, ids: Set<string>): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return;
  }
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key.toLowerCase() === 'keyid' && typeof value === 'string' && GUID.test(value)) ids.add(value.toLowerCase());
        else visit(value);
      }
    }
  };
  visit(parsed);
}
