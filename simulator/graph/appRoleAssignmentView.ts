/** Fields of an appRoleAssignment a client may $select (docs/graph-behaviour.md's list plus deletedDateTime). */
export const APP_ROLE_ASSIGNMENT_FIELDS: readonly string[] = [
  'id', 'appRoleId', 'createdDateTime', 'deletedDateTime', 'principalDisplayName', 'principalId', 'principalType',
  'resourceDisplayName', 'resourceId',
];
