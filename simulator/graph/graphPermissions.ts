// Application permissions each Graph endpoint accepts (any one suffices), as docs/graph-behaviour.md lists them.
// Directory.Read.All (and the ReadWrite variants) imply read access to users, groups, apps and SPs.

const DIRECTORY = ['Directory.Read.All', 'Directory.ReadWrite.All'];

export const GRAPH_PERMISSIONS = {
  users: ['User.Read.All', 'User.ReadWrite.All', ...DIRECTORY],
  groups: ['Group.Read.All', 'GroupMember.Read.All', 'Group.ReadWrite.All', 'GroupMember.ReadWrite.All', ...DIRECTORY],
  applications: ['Application.Read.All', 'Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', ...DIRECTORY],
  servicePrincipals: ['Application.Read.All', 'Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', ...DIRECTORY],
  owners: ['Application.Read.All', 'Application.ReadWrite.All', ...DIRECTORY],
  appRoleAssignedTo: ['Application.Read.All', 'AppRoleAssignment.Read.All', 'AppRoleAssignment.ReadWrite.All', 'Application.ReadWrite.All', ...DIRECTORY],
  roleManagement: ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory', ...DIRECTORY],
  // PIM for directory roles: Directory.Read.All is not among the documented permissions.
  roleEligibilitySchedules: ['RoleEligibilitySchedule.Read.Directory', 'RoleEligibilitySchedule.ReadWrite.Directory', 'RoleManagement.Read.All', 'RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory'],
  roleAssignmentSchedules: ['RoleAssignmentSchedule.Read.Directory', 'RoleAssignmentSchedule.ReadWrite.Directory', 'RoleManagement.Read.All', 'RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory'],
  // PIM for Groups.
  groupEligibilitySchedules: ['PrivilegedEligibilitySchedule.Read.AzureADGroup', 'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup'],
  groupAssignmentSchedules: ['PrivilegedAssignmentSchedule.Read.AzureADGroup', 'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup'],
  administrativeUnits: ['AdministrativeUnit.Read.All', 'AdministrativeUnit.ReadWrite.All', ...DIRECTORY],
  permissionGrants: ['DelegatedPermissionGrant.Read.All', 'DelegatedPermissionGrant.ReadWrite.All', ...DIRECTORY],
  auditLogs: ['AuditLog.Read.All'],
} as const satisfies Record<string, readonly string[]>;
