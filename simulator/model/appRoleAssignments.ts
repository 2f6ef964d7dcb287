import { InvalidStateError, ObjectNotFoundError } from './simulatorErrors';

/** The all-zero app role id: "Default access" to an app that defines no (or no chosen) role. */
export const DEFAULT_ACCESS_APP_ROLE_ID = '00000000-0000-0000-0000-000000000000';

export type AppRolePrincipalType = 'User' | 'Group' | 'ServicePrincipal';

/** As Graph renders it under /servicePrincipals/{id}/appRoleAssignedTo. */
export interface AppRoleAssignment {
  id: string;
  appRoleId: string;
  createdDateTime: string;
  deletedDateTime: null;
  principalId: string;
  principalType: AppRolePrincipalType;
  principalDisplayName: string | null;
  resourceId: string;
  resourceDisplayName: string | null;
}

/** App role assignments grouped by resource service principal. */
export class AppRoleAssignments {
  private readonly byResource = new Map<string, AppRoleAssignment[]>();
  private readonly resourceOf = new Map<string, string>();

  get size(): number {
    return this.resourceOf.size;
  }

  add(assignment: AppRoleAssignment): AppRoleAssignment {
    if (this.resourceOf.has(assignment.id)) throw new InvalidStateError(`app role assignment ${assignment.id} already exists`);
    const list = this.byResource.get(assignment.resourceId) ?? [];
    const duplicate = list.some((a) => a.principalId === assignment.principalId && a.appRoleId === assignment.appRoleId);
    if (duplicate) {
      throw new InvalidStateError(`${assignment.principalId} already holds app role ${assignment.appRoleId} of ${assignment.resourceId}`);
    }
    list.push(assignment);
    this.byResource.set(assignment.resourceId, list);
    this.resourceOf.set(assignment.id, assignment.resourceId);
    return assignment;
  }

  get(id: string): AppRoleAssignment | undefined {
    const resourceId = this.resourceOf.get(id);
    return resourceId === undefined ? undefined : this.byResource.get(resourceId)?.find((a) => a.id === id);
  }

  remove(id: string): AppRoleAssignment {
    const resourceId = this.resourceOf.get(id);
    const list = resourceId === undefined ? undefined : this.byResource.get(resourceId);
    const index = list?.findIndex((a) => a.id === id) ?? -1;
    if (!list || index < 0) throw new ObjectNotFoundError('appRoleAssignments', id);
    const [removed] = list.splice(index, 1);
    this.resourceOf.delete(id);
    return removed as AppRoleAssignment;
  }

  assignedTo(resourceId: string): readonly AppRoleAssignment[] {
    return this.byResource.get(resourceId) ?? [];
  }

  *all(): Generator<AppRoleAssignment> {
    for (const list of this.byResource.values()) yield* list;
  }

  /** Hard delete of a principal or resource: its assignments go with it. */
  forget(objectId: string): void {
    const own = this.byResource.get(objectId);
    if (own) {
      for (const assignment of own) this.resourceOf.delete(assignment.id);
      this.byResource.delete(objectId);
    }
    for (const list of this.byResource.values()) {
      for (let index = list.length - 1; index >= 0; index--) {
        const assignment = list[index] as AppRoleAssignment;
        if (assignment.principalId === objectId) {
          list.splice(index, 1);
          this.resourceOf.delete(assignment.id);
        }
      }
    }
  }
}
