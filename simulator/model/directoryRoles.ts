import { InvalidStateError, ObjectNotFoundError } from './simulatorErrors';

/** /roleManagement/directory/roleDefinitions item (built-in roles: id = templateId). */
export interface RoleDefinition {
  id: string;
  description: string;
  displayName: string;
  isBuiltIn: boolean;
  isEnabled: boolean;
  resourceScopes: string[];
  templateId: string;
  version: string | null;
  rolePermissions: Array<{ allowedResourceActions: string[]; condition: string | null }>;
}

/** An active (not PIM-eligible) directory role assignment. */
export interface RoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  /** "/" tenant-wide, "/administrativeUnits/{id}" or "/{applicationObjectId}". */
  directoryScopeId: string;
  appScopeId: string | null;
  condition: string | null;
}

const builtIn = (templateId: string, displayName: string, description: string, actions: string[]): RoleDefinition => ({
  id: templateId,
  description,
  displayName,
  isBuiltIn: true,
  isEnabled: true,
  resourceScopes: ['/'],
  templateId,
  version: '1',
  rolePermissions: [{ allowedResourceActions: actions, condition: null }],
});

/** Built-in Entra roles with their real, tenant-independent template ids. */
export const BUILT_IN_ROLE_DEFINITIONS: readonly RoleDefinition[] = [
  builtIn('62e90394-69f5-4237-9190-012177145e10', 'Global Administrator', 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.', ['microsoft.directory/allEntities/allProperties/allTasks']),
  builtIn('e8611ab8-c189-46e8-94e1-60213ab1f814', 'Privileged Role Administrator', 'Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.', ['microsoft.directory/roleAssignments/allProperties/allTasks']),
  builtIn('9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', 'Application Administrator', 'Can create and manage all aspects of app registrations and enterprise apps.', ['microsoft.directory/applications/allProperties/allTasks', 'microsoft.directory/servicePrincipals/allProperties/allTasks']),
  builtIn('158c047a-c907-4556-b7ef-446551a6b5f7', 'Cloud Application Administrator', 'Can create and manage all aspects of app registrations and enterprise apps except App Proxy.', ['microsoft.directory/applications/credentials/update', 'microsoft.directory/servicePrincipals/credentials/update']),
  builtIn('fe930be7-5e62-47db-91af-98c3a49a38b1', 'User Administrator', 'Can manage all aspects of users and groups, including resetting passwords for limited admins.', ['microsoft.directory/users/allProperties/allTasks', 'microsoft.directory/groups/allProperties/allTasks']),
  builtIn('fdd7a751-b60b-444a-984c-02652fe8fa1c', 'Groups Administrator', 'Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports.', ['microsoft.directory/groups/allProperties/allTasks']),
  builtIn('5d6b6bb7-de71-4623-b4af-96380a352509', 'Security Reader', 'Can read security information and reports in Microsoft Entra ID and Office 365.', ['microsoft.directory/auditLogs/allProperties/read']),
  builtIn('f2ef992c-3afb-46b9-b7cf-a126ee74c451', 'Global Reader', 'Can read everything that a Global Administrator can, but not update anything.', ['microsoft.directory/allEntities/allProperties/read']),
  builtIn('194ae4cb-b126-40b2-bd5b-6091b380977d', 'Security Administrator', 'Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.', ['microsoft.directory/policies/standard/allProperties/allTasks']),
  builtIn('729827e3-9c14-49f7-bb1b-9608f156bbb8', 'Helpdesk Administrator', 'Can reset passwords for non-administrators and Helpdesk Administrators.', ['microsoft.directory/users/password/update']),
  builtIn('c4e39bd9-1100-46d3-8c65-fb160da0071f', 'Authentication Administrator', 'Can access to view, set and reset authentication method information for any non-admin user.', ['microsoft.directory/users/authenticationMethods/standard/restrictedRead']),
  builtIn('7be44c8a-adaf-4e2a-84d6-ab2649e08a13', 'Privileged Authentication Administrator', 'Can access to view, set and reset authentication method information for any user (admin or non-admin).', ['microsoft.directory/users/authenticationMethods/allProperties/allTasks']),
  builtIn('b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', 'Conditional Access Administrator', 'Can manage Conditional Access capabilities.', ['microsoft.directory/conditionalAccessPolicies/allProperties/allTasks']),
  builtIn('29232cdf-9323-42fd-ade2-1d097af3e4de', 'Exchange Administrator', 'Can manage all aspects of the Exchange product.', ['microsoft.office365.exchange/allEntities/basic/allTasks']),
  builtIn('f28a1f50-f6e7-4571-818b-6a12f2af6b6c', 'SharePoint Administrator', 'Can manage all aspects of the SharePoint service.', ['microsoft.office365.sharePoint/allEntities/allTasks']),
  builtIn('69091246-20e8-4a56-aa4d-066075b2a7a8', 'Teams Administrator', 'Can manage the Microsoft Teams service.', ['microsoft.teams/allEntities/allProperties/allTasks']),
  builtIn('8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2', 'Hybrid Identity Administrator', 'Can manage AD to Microsoft Entra cloud provisioning, Microsoft Entra Connect, and federation settings.', ['microsoft.directory/onPremisesSynchronization/standard/read']),
  builtIn('4a5d8f65-41da-4de4-8968-e035b65339cf', 'Reports Reader', 'Can read sign-in and audit reports.', ['microsoft.directory/auditLogs/allProperties/read', 'microsoft.directory/signInReports/allProperties/read']),
  builtIn('88d8e3e3-8f55-4a1e-953a-9b9898b8876b', 'Directory Readers', 'Can read basic directory information. Commonly used to grant directory read access to applications and guests.', ['microsoft.directory/users/standard/read']),
  builtIn('b0f54661-2d74-4c50-afa3-1ec803f12efe', 'Billing Administrator', 'Can perform common billing related tasks like updating payment information.', ['microsoft.directory/organization/basic/update']),
  builtIn('3a2c62db-5318-420d-8d74-23affee5d9d5', 'Intune Administrator', 'Can manage all aspects of the Intune product.', ['microsoft.intune/allEntities/allTasks']),
  builtIn('966707d0-3269-4727-9be2-8c3a10f19b9d', 'Password Administrator', 'Can reset passwords for non-administrators and Password Administrators.', ['microsoft.directory/users/password/update']),
];

/** Well-known role template ids by name, for generators and tests. */
export const ROLE_TEMPLATE_IDS = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  cloudApplicationAdministrator: '158c047a-c907-4556-b7ef-446551a6b5f7',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  groupsAdministrator: 'fdd7a751-b60b-444a-984c-02652fe8fa1c',
  securityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
} as const;

/** Active directory role assignments by id, in insertion order. */
export class RoleAssignments {
  private readonly assignments = new Map<string, RoleAssignment>();

  get size(): number {
    return this.assignments.size;
  }

  add(assignment: RoleAssignment): RoleAssignment {
    if (this.assignments.has(assignment.id)) throw new InvalidStateError(`role assignment ${assignment.id} already exists`);
    for (const existing of this.assignments.values()) {
      if (
        existing.principalId === assignment.principalId &&
        existing.roleDefinitionId === assignment.roleDefinitionId &&
        existing.directoryScopeId === assignment.directoryScopeId
      ) {
        throw new InvalidStateError(`${assignment.principalId} already holds role ${assignment.roleDefinitionId} at ${assignment.directoryScopeId}`);
      }
    }
    this.assignments.set(assignment.id, assignment);
    return assignment;
  }

  get(id: string): RoleAssignment | undefined {
    return this.assignments.get(id);
  }

  remove(id: string): RoleAssignment {
    const assignment = this.assignments.get(id);
    if (!assignment) throw new ObjectNotFoundError('roleAssignments', id);
    this.assignments.delete(id);
    return assignment;
  }

  all(): IterableIterator<RoleAssignment> {
    return this.assignments.values();
  }

  /** Hard delete of a principal (or of the app a scope points at). */
  forget(objectId: string): void {
    for (const [id, assignment] of this.assignments) {
      if (assignment.principalId === objectId || assignment.directoryScopeId === `/${objectId}`) this.assignments.delete(id);
    }
  }
}
