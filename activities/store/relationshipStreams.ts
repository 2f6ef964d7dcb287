/** Run streams besides the delta streams: read in full (relationships) or from a watermark (audits). */
export const AUDIT_STREAM = 'credentialAuditEvents';
export const RELATIONSHIP_STREAMS = ['owners', 'appRoleAssignments', 'directoryRoleAssignments', AUDIT_STREAM] as const;
