import { describe, expect, it } from 'vitest';
import { auditNamedIds } from '../../activities/staging/auditNamedTargets';

const SP = '0b8f1a52-2a4a-4d8e-9a64-0c1b5b6f0a11';
const APP = '6a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const USER = 'f0e1d2c3-b4a5-4968-8776-655443322110';

const event = (activityDisplayName: string, targetResources: unknown[]) => ({ activityDisplayName, targetResources });
const target = (id: string, type: string, modifiedProperties: unknown[] = []) => ({ id, type, modifiedProperties });

describe('auditNamedIds: objects an owner or app role assignment event names', () => {
  it('takes the owned object and the owner of owner changes, of apps and service principals, added or removed', () => {
    expect(auditNamedIds([event('Add owner to application', [target(USER, 'User'), target(APP, 'Application')])])).toEqual([APP, USER].sort());
    expect(auditNamedIds([event('Remove owner from service principal', [target(USER, 'User'), target(SP, 'ServicePrincipal')])])).toEqual([SP, USER].sort());
  });

  it('takes the resource of assignments to users, groups and service principals', () => {
    for (const name of [
      'Add app role assignment grant to user',
      'Remove app role assignment from user',
      'Add app role assignment to group',
      'Remove app role assignment from group',
      'Add app role assignment to service principal',
      'Remove app role assignment from service principal',
    ]) {
      expect(auditNamedIds([event(name, [target(SP, 'ServicePrincipal'), target(USER, 'User')])]), name).toContain(SP);
    }
  });

  it('finds the resource in the ServicePrincipal.ObjectID property when only the user is a target', () => {
    const userOnly = event('Add app role assignment grant to user', [
      target(USER.toUpperCase(), 'User', [{ displayName: 'ServicePrincipal.ObjectID', oldValue: null, newValue: JSON.stringify(SP.toUpperCase()) }]),
    ]);
    expect(auditNamedIds([userOnly])).toEqual([SP, USER].sort());
  });

  // The shape Entra logs owner events in: the owner is the target, the app only in its modified
  // properties (new values on add, old values on removal, JSON text).
  it('finds the app of an owner change in the Application.ObjectID property when only the owner is a target', () => {
    const added = event('Add owner to application', [
      {
        id: USER,
        displayName: 'Adele Vance',
        type: 'User',
        userPrincipalName: 'AdeleV@contoso.com',
        modifiedProperties: [
          { displayName: 'Application.ObjectID', oldValue: null, newValue: `"${APP}"` },
          { displayName: 'Application.AppId', oldValue: null, newValue: '"00001111-aaaa-2222-bbbb-3333cccc4444"' },
          { displayName: 'Application.DisplayName', oldValue: null, newValue: '"Contoso Payroll"' },
        ],
      },
    ]);
    expect(auditNamedIds([added])).toEqual([APP, USER].sort());
    const removed = event('Remove owner from application', [
      target(USER, 'User', [{ displayName: 'Application.ObjectID', oldValue: `"${APP.toUpperCase()}"`, newValue: null }]),
    ]);
    expect(auditNamedIds([removed])).toEqual([APP, USER].sort());
    const spOwner = event('Add owner to service principal', [target(USER, 'User', [{ displayName: 'ServicePrincipal.ObjectID', oldValue: null, newValue: `"${SP}"` }])]);
    expect(auditNamedIds([spOwner])).toEqual([SP, USER].sort());
  });

  it('ignores events of other activities and malformed targets', () => {
    expect(auditNamedIds([event('Update application \u2013 Certificates and secrets management', [target(APP, 'Application')])])).toEqual([]);
    expect(auditNamedIds([{ activityDisplayName: 'Add owner to application', targetResources: 'nope' }, event('Add owner to application', [null, { id: 7 }])])).toEqual([]);
  });
});
