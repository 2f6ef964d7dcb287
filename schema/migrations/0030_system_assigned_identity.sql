-- A connector may authenticate as the system-assigned managed identity of the workers' Azure host
-- (issue 33): a credential kind of its own, since its token request names no identity.

alter table connectors drop constraint connectors_credential_kind_check;
alter table connectors add constraint connectors_credential_kind_check
  check (credential_kind in ('clientSecret', 'certificate', 'workloadIdentity', 'managedIdentity', 'systemAssignedIdentity'));
