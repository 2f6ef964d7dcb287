import { describe, expect, it } from 'vitest';
import { classifyAuditActivity } from '../../activities/auditClassification';
import { AUDIT_ACTIVITIES } from '../../simulator/model/directoryAudit';
import { KEPT_AUDIT_ACTIVITIES, OTHER_AUDIT_ACTIVITIES } from '../support/keptAuditActivities';

// Written out by hand: the kind each kept activity is stored as (credential_audit_events.activity, docs/inventory.md).
const KINDS: Record<string, string> = {
  'Update application \u2013 Certificates and secrets management': 'application_credentials_updated',
  'Add service principal credentials': 'service_principal_credentials_added',
  'Remove service principal credentials': 'service_principal_credentials_removed',
  'Update external secrets': 'external_secrets_updated',
  'Add owner to application': 'application_owner_added',
  'Remove owner from application': 'application_owner_removed',
  'Add owner to service principal': 'service_principal_owner_added',
  'Remove owner from service principal': 'service_principal_owner_removed',
  'Add app role assignment to service principal': 'app_role_assignment_added',
  'Remove app role assignment from service principal': 'app_role_assignment_removed',
  'Add app role assignment grant to user': 'user_app_role_assignment_added',
  'Remove app role assignment from user': 'user_app_role_assignment_removed',
  'Add app role assignment to group': 'group_app_role_assignment_added',
  'Remove app role assignment from group': 'group_app_role_assignment_removed',
  'Consent to application': 'consent_granted',
  'Add delegated permission grant': 'delegated_permission_granted',
};

describe('classifyAuditActivity', () => {
  it('keeps exactly the hand-written activities, each as its kind, whatever dash or trailing space the log uses', () => {
    expect(Object.keys(KINDS)).toEqual(KEPT_AUDIT_ACTIVITIES);
    for (const [name, kind] of Object.entries(KINDS)) {
      expect([name, classifyAuditActivity(name)]).toEqual([name, kind]);
      expect([name, classifyAuditActivity(`${name.replace('\u2013', '-')}  `)]).toEqual([name, kind]);
    }
    for (const name of OTHER_AUDIT_ACTIVITIES) expect([name, classifyAuditActivity(name)]).toEqual([name, undefined]);
  });

  it('every activity the simulator logs is on one of the two hand-written lists', () => {
    const listed = new Set([...KEPT_AUDIT_ACTIVITIES, ...OTHER_AUDIT_ACTIVITIES]);
    expect(Object.values(AUDIT_ACTIVITIES).filter((name) => !listed.has(name))).toEqual([]);
  });
});
