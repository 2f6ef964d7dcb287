import { target, type AuditTargetResource } from './directoryAudit';

/** The owned object of an owner event: an app registration or a service principal. */
export type OwnedObject = { id: string; kind: 'Application' | 'ServicePrincipal'; appId: string; displayName: string };
export type OwnerPrincipal = { id: string; kind: 'User' | 'ServicePrincipal'; displayName: string | null; userPrincipalName?: string | null };

/**
 * Target resources of "Add owner to ..." / "Remove owner from ...", as Entra logs them: the owner
 * alone, with the owned object only in its modified properties (`Application.ObjectID`,
 * `Application.AppId`, `Application.DisplayName`, or `ServicePrincipal.*`), new values on add, old
 * values on removal (JSON text). A reader that looks for the owned object among the targets misses it.
 */
export function ownerEventTargets(owner: OwnerPrincipal, owned: OwnedObject, added: boolean): AuditTargetResource[] {
  const value = (v: string) => (added ? { oldValue: null, newValue: JSON.stringify(v) } : { oldValue: JSON.stringify(v), newValue: null });
  return [
    target(owner.id, owner.kind, owner.displayName, [
      { displayName: `${owned.kind}.ObjectID`, ...value(owned.id) },
      { displayName: `${owned.kind}.AppId`, ...value(owned.appId) },
      { displayName: `${owned.kind}.DisplayName`, ...value(owned.displayName) },
    ], { userPrincipalName: owner.userPrincipalName ?? null }),
  ];
}
