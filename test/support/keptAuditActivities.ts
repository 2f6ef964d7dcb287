/**
 * The directory audit activities the connector keeps, written out by hand from Microsoft's
 * audit activity names (docs/graph-behaviour.md, "Credential activities" and "Owner and app role
 * assignment activities") as live logs spell them: the first with an EN DASH. Tests filter the
 * simulator's audit log with this list, never with the product's classifier, so a misclassified
 * activity fails them.
 */
export const KEPT_AUDIT_ACTIVITIES: readonly string[] = [
  'Update application \u2013 Certificates and secrets management',
  'Add service principal credentials',
  'Remove service principal credentials',
  'Update external secrets',
  'Add owner to application',
  'Remove owner from application',
  'Add owner to service principal',
  'Remove owner from service principal',
  'Add app role assignment to service principal',
  'Remove app role assignment from service principal',
  'Add app role assignment grant to user',
  'Remove app role assignment from user',
  'Add app role assignment to group',
  'Remove app role assignment from group',
  'Consent to application',
  'Add delegated permission grant',
];

/** Activities the simulator logs that the connector must not keep (creations, memberships, users, roles). */
export const OTHER_AUDIT_ACTIVITIES: readonly string[] = [
  'Add application',
  'Add service principal',
  'Add member to group',
  'Remove member from group',
  'Add member to role',
  'Update user',
  'Reset user password',
  'Add user',
];

/** Whether the connector keeps an event of this name (live logs add trailing spaces to some). */
export const keptActivity = (name: string) => KEPT_AUDIT_ACTIVITIES.includes(name.trim());
